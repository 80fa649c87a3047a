// Bucketed decode (one program per bucket of positions, patched in between, keys after the
// current position masked) gives bit-identical logits to exact per-step programs on the tiny
// Hugging Face-format models (GQA, Llama 3.1 rope scaling, Qwen2 QKV bias): masked keys
// contribute exact zeros, so nothing may differ.
#include <gtest/gtest.h>

#include <cstring>

#include "arch/chip.h"
#include "llm/reference/sampler.h"
#include "llm/runtime/model_runner.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

using runtime::ModelRunner;
using runtime::RunnerOptions;

void check_bucketed_equals_exact(const std::string& dir, int64_t bucket) {
  Model m = load_model(test::tiny_path(dir));
  RunnerOptions o;
  o.compile.max_context = 64;
  ModelRunner exact(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
  o.decode_key_bucket = bucket;
  o.check_races = true;  // the patched programs' KV appends stay ordered before the loads
  ModelRunner bucketed(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
  auto le = exact.prefill({1, 2, 3});
  auto lb = bucketed.prefill({1, 2, 3});
  for (int step = 0; step < 40; ++step) {
    ASSERT_EQ(le.size(), lb.size());
    ASSERT_EQ(0, std::memcmp(le.data(), lb.data(), le.size() * sizeof(float)))
        << dir << " bucket " << bucket << ": logits differ at position " << 2 + step;
    const int64_t next = reference::argmax(le);
    le = exact.decode({next});
    lb = bucketed.decode({next});
  }
  for (const auto& st : bucketed.steps()) EXPECT_EQ(st.races, 0u) << dir << " bucket " << bucket;
}

TEST(BucketDecode, Llama3BucketedEqualsExact) {
  for (int64_t b : {8, 16, 32}) check_bucketed_equals_exact("llama3", b);
}
TEST(BucketDecode, Qwen2BucketedEqualsExact) {
  for (int64_t b : {8, 16, 32}) check_bucketed_equals_exact("qwen2", b);
}

// After reset() the next sequence reuses the bucket program (patched back to its compile
// position and on) and gets bit for bit what a fresh runner gets, race-free.
TEST(BucketDecode, BucketProgramSurvivesReset) {
  Model m = load_model(test::tiny_path("llama3"));
  RunnerOptions o;
  o.compile.max_context = 64;
  o.decode_key_bucket = 32;
  o.check_races = true;
  ModelRunner reused(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
  test::greedy(reused, {1, 5}, 12);  // first sequence: builds the program at position 2
  reused.reset();
  const size_t first = reused.steps().size();
  ModelRunner fresh(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
  auto lr = reused.prefill({1, 2}), lf = fresh.prefill({1, 2});  // a different sequence
  for (int step = 0; step < 20; ++step) {
    ASSERT_EQ(0, std::memcmp(lr.data(), lf.data(), lr.size() * sizeof(float))) << "step " << step;
    const int64_t next = reference::argmax(lf);
    lr = reused.decode({next});
    lf = fresh.decode({next});
  }
  for (size_t i = first; i < reused.steps().size(); ++i) {
    EXPECT_EQ(reused.steps()[i].races, 0u);
    if (reused.steps()[i].kind == compile::StepSpec::Kind::Decode && reused.steps()[i].pos0 < 32)
      EXPECT_TRUE(reused.steps()[i].patched) << "position " << reused.steps()[i].pos0;
  }
}

}  // namespace
}  // namespace npulab::llm
