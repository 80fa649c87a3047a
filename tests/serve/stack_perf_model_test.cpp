// A serving stack over a PerfModel: decode batches padded to the stack's batch sizes (or the
// compiled max batch), decode spans and whole prompts padded to the compiled buckets, the
// host time added once per step; padding rows never sample.
#include <gtest/gtest.h>

#include "serve/stack_perf_model.h"

namespace npulab::serve {
namespace {

// Records the last step it was asked to time; 1 ms per step.
class Probe : public PerfModel {
 public:
  std::vector<SeqStep>* last;
  explicit Probe(std::vector<SeqStep>* l) : last(l) {}
  std::string describe() const override { return "probe"; }
  KvMemory memory() const override { return {1, 1, 1}; }
  double step_ns(std::span<const SeqStep> s) override {
    last->assign(s.begin(), s.end());
    return 1e6;
  }
};

arch::ServingStack stack() {
  arch::ServingStack s;
  s.name = "t";
  s.chunked_prefill = false;
  s.decode_batch_sizes = {1, 4, 8};
  s.prefill_buckets = {128, 512};
  s.decode_context_buckets = {128, 1024};
  s.step_overhead_us = 250;
  return s;
}

TEST(StackPerfModel, PadsDecodeBatchAndSpanAndAddsHostTime) {
  std::vector<SeqStep> seen;
  StackPerfModel m(std::make_unique<Probe>(&seen), stack(), 64);
  const std::vector<SeqStep> step = {{100, 1, true, nullptr}, {200, 1, true, nullptr}, {0, 300, true, nullptr}};
  EXPECT_DOUBLE_EQ(m.step_ns(step), 1e6 + 250e3);
  ASSERT_EQ(seen.size(), 5u);  // 2 decoders padded to 4, and the prompt
  EXPECT_EQ(seen[0].context, 1023);  // the longest (201 positions) is in the 1024 bucket
  EXPECT_EQ(seen[1].context, 1023);
  EXPECT_EQ(seen[2].new_tokens, 512);  // the 300-token prompt at its 512 bucket
  EXPECT_EQ(seen[3].new_tokens, 1);
  EXPECT_FALSE(seen[3].samples);
  EXPECT_FALSE(seen[4].samples);
}

TEST(StackPerfModel, CompiledBatchAndOversizeShapes) {
  std::vector<SeqStep> seen;
  arch::ServingStack s = stack();
  s.decode_batch_sizes.clear();
  s.pad_to_max_batch = true;
  StackPerfModel m(std::make_unique<Probe>(&seen), s, 32);
  const std::vector<SeqStep> one = {{5000, 1, true, nullptr}};
  m.step_ns(one);
  ASSERT_EQ(seen.size(), 32u);
  EXPECT_EQ(seen[0].context, 5000);  // beyond the largest bucket: the exact shape
  // Chunked prefill: prompt chunks are timed as they are.
  s.chunked_prefill = true;
  StackPerfModel c(std::make_unique<Probe>(&seen), s, 32);
  const std::vector<SeqStep> chunk = {{0, 300, false, nullptr}};
  c.step_ns(chunk);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].new_tokens, 300);
}

}  // namespace
}  // namespace npulab::serve
