// Helpers for the serving tests: requests with known prompts, and a step-time model with a
// known formula (so expected times can be written down by hand).
#pragma once
#include <gtest/gtest.h>

#include <vector>

#include "serve/engine.h"
#include "serve/step.h"

namespace npulab::serve::test {

// Request `id` with a synthetic prompt of `len` tokens (the first `shared` from a common
// stream, so equal-`shared` requests share that prefix) and `out` output tokens.
inline Request make_request(int64_t id, int64_t len, int64_t out, double arrival_s = 0, int64_t shared = 0) {
  Request r;
  r.id = id;
  r.arrival_s = arrival_s;
  r.prompt = PromptTokens::synthetic(len, 1000 + uint64_t(id), 32000, shared, 7);
  r.max_tokens = out;
  r.seed = uint64_t(id);
  return r;
}

// step time = base + per_token * tokens (nanoseconds).
class LinearModel : public PerfModel {
 public:
  LinearModel(double base_ns, double per_token_ns) : base_(base_ns), per_(per_token_ns) {}
  std::string describe() const override { return "linear test model"; }
  KvMemory memory() const override { return {1 << 30, 1024, 4096}; }
  double step_ns(std::span<const SeqStep> step) override {
    double t = base_;
    for (const SeqStep& s : step) t += per_ * double(s.new_tokens);
    ++calls;
    return t;
  }
  int64_t calls = 0;

 private:
  double base_, per_;
};

inline SchedulerConfig small_config(int64_t blocks, int64_t block_size = 16, int64_t budget = 64, int64_t seqs = 8) {
  SchedulerConfig c;
  c.num_blocks = blocks;
  c.block_size = block_size;
  c.max_num_batched_tokens = budget;
  c.max_num_seqs = seqs;
  c.max_model_len = 4096;
  return c;
}

}  // namespace npulab::serve::test
