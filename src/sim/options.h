// How a simulation runs: the mode, the budgets against runaway programs and what a chip may
// use of its host. Plain data, below the scheduler, the race detector and the public entry
// point (sim/simulator.h) that all read it.
#pragma once
#include <cstdint>
#include <string>

namespace npulab::sim {

enum class Mode { Functional, TimingOnly };

// Budgets against runaway programs (a register loop that never ends, a duration that
// saturated): a run that executes more instructions, or whose simulated clock passes
// more time, stops with an npulab::Error naming the stream and pc ("runaway loop?").
// The defaults suit any single program of `npulab run`/`kernel` (about a minute of host
// time for the instruction budget); the LLM runner sets budgets from its programs.
constexpr uint64_t kDefaultMaxInstructions = 1'000'000'000;
constexpr double kDefaultMaxSimNs = 3600e9;  // one simulated hour
constexpr double kMaxSimNs = 4.6e15;         // the largest budget: ~2^62 ps (53 days)

struct SimOptions {
  Mode mode = Mode::Functional;
  bool check_races = true;       // happens-before race detector (costs host time)
  std::string trace_path;        // if set: Chrome trace JSON (opens in Perfetto)
  uint64_t max_instructions = kDefaultMaxInstructions;  // 0 = no limit
  double max_sim_ns = kDefaultMaxSimNs;  // simulated time; 0 (or above kMaxSimNs) = kMaxSimNs
};

// How a Chip may use its host (never changes a result or a simulated time).
struct ChipOptions {
  // Run half of each large matmul's columns on a helper thread the chip owns (started on
  // first use). Ignored on a host with one CPU.
  bool helper_thread = true;
};

}  // namespace npulab::sim
