// Driving a ModelRunner: functional generation (prefill + sampled decode steps, batch 1)
// and timing-only runs (prefill of a synthetic prompt + decode steps at growing context).
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "llm/reference/sampler.h"
#include "llm/runtime/model_runner.h"

namespace npulab::llm::runtime {

struct GenerateOptions {
  int64_t max_tokens = 32;
  reference::SamplingParams sampling;
  bool stop_on_eos = true;
  std::function<void(int64_t)> on_token;  // streaming: called for each generated token
};

struct GenerateResult {
  std::vector<int64_t> tokens;   // generated (EOS included when produced)
  double ttft_ns = 0;            // simulated prefill time (all chunks)
  std::vector<double> tpot_ns;   // simulated time of each decode step
  double prefill_host_s = 0, decode_host_s = 0;
};

GenerateResult generate(ModelRunner& r, const std::vector<int64_t>& prompt, const GenerateOptions& o);

struct TimingRunOptions {
  int64_t prompt_len = 128;
  int64_t max_tokens = 32;
  // 0 = simulate every decode step. Otherwise simulate this many steps, evenly spaced from
  // the first to the last position, and fill the steps between by linear interpolation of
  // the step time in the context length (attention work grows linearly in it; no scaling).
  int64_t decode_samples = 0;
  bool simulate_prefill = true;
};

struct TimingResult {
  double ttft_ns = 0;
  std::vector<double> tpot_ns;    // every decode step (interpolated where not simulated)
  std::vector<bool> simulated;    // which steps were simulated
  double prefill_host_s = 0;
  double decode_host_s = 0;       // host time of the simulated decode steps (compile + sim)
  int64_t decode_steps_simulated = 0;
};

TimingResult run_timing_only(ModelRunner& r, const TimingRunOptions& o);

}  // namespace npulab::llm::runtime
