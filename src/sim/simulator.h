// Public entry point of the simulator: one chip (N NeuronCores sharing HBM) runs an
// Executable, functionally (values computed with the hardware's numerics) or timing-only
// (same scheduling and costs, no values, no data storage).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "arch/chip.h"
#include "isa/instr.h"
#include "sim/memory.h"

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

struct StreamStats {
  uint32_t core = 0;
  uint32_t stream = 0;
  std::string name;         // "core0.pe", "core0.dma3"
  double busy_ns = 0;
  uint64_t instrs = 0;
};

struct RaceReport {
  std::string message;      // names both instructions (stream, index, asm text)
};

struct SimResult {
  double total_ns = 0;
  uint64_t instrs = 0;
  double flops = 0;                 // 2*M*N*K summed over matmuls
  double hbm_bytes_read = 0, hbm_bytes_written = 0;
  std::vector<StreamStats> streams;
  std::vector<RaceReport> races;
  // Programs with collectives, per core (empty otherwise; sim/scheduler/comm_overlap.h): the
  // time a collective of the core was in flight, and the part of it during which the core
  // also had other work in flight (an engine or DMA queue busy) — communication hidden
  // behind computation.
  std::vector<double> comm_ns, comm_overlap_ns;
  double achieved_tflops() const { return total_ns > 0 ? flops / total_ns / 1e3 : 0; }
  double hbm_gbps() const { return total_ns > 0 ? (hbm_bytes_read + hbm_bytes_written) / total_ns : 0; }
};

struct PreparedExe;  // sim/scheduler/prepared.h

// An executable validated against a chip, with the scheduler's per-instruction
// precomputation (costs, compact metadata) done once: running it again skips both (they
// are 20-45% of a timing-only run). Made by Chip::prepare and run only on that Chip (it
// must not outlive it); it refers to the executable, which must stay alive and
// structurally unchanged (no instructions added or removed; refresh detects it). An
// instruction modified in place (operand offsets, immediates, waits) must be announced
// with refresh(), which validates it again; a modified instruction that is not refreshed
// keeps its old cost and skips bounds checks of its static operands.
class PreparedProgram {
 public:
  PreparedProgram(PreparedProgram&&) noexcept;
  PreparedProgram& operator=(PreparedProgram&&) noexcept;
  ~PreparedProgram();
  const isa::Executable& executable() const;
  // Re-validate and re-prepare instruction `pc` of stream `stream` of core `core`.
  void refresh(uint32_t core, uint32_t stream, uint32_t pc);
  // Re-validate and re-prepare everything (after many in-place changes).
  void refresh_all();

 private:
  friend class Chip;
  PreparedProgram();
  std::unique_ptr<PreparedExe> p_;
};

class Chip {
 public:
  Chip(const arch::ChipConfig& cfg, Mode mode, const ChipOptions& options = {});
  ~Chip();
  Chip(const Chip&) = delete;
  Chip& operator=(const Chip&) = delete;

  const arch::ChipConfig& config() const;
  Mode mode() const;
  Hbm& hbm();
  // Run an executable: loads its constants into HBM, runs every core's streams to
  // completion. Throws npulab::Error on invalid programs (naming the instruction),
  // deadlock (naming the blocked streams and their waits), or out-of-bounds access.
  SimResult run(const isa::Executable& exe, const SimOptions& opts = {});
  // Validate and prepare once, run many times (see PreparedProgram).
  PreparedProgram prepare(const isa::Executable& exe) const;
  SimResult run(const PreparedProgram& prog, const SimOptions& opts = {});

 private:
  SimResult run_prepared(const PreparedExe& prog, const SimOptions& opts);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace npulab::sim
