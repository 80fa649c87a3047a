// The compiled model on the simulated NeuronCore against the independent references on the
// real stories260K checkpoint: the plain C++ forward pass (llm/reference) and the numpy
// fixture (tests/llm/fixtures/gen_stories_ref.py).
#include <gtest/gtest.h>

#include <cmath>

#include "arch/chip.h"
#include "llm/reference/sampler.h"
#include "llm/runtime/model_runner.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

using runtime::ModelRunner;
using runtime::RunnerOptions;

// FP32 everywhere; the simulator accumulates matmuls with FMAs in K order and PSUM adds
// per 128-row chunk, softmax is online (flash), so logits differ from the reference by
// rounding only (observed ~1e-5).
constexpr float kLogitTol = 2e-4f;

RunnerOptions fp32_opts(int64_t ctx = 0) {
  RunnerOptions o;
  o.compile.weight_dtype = DType::F32;
  o.compile.max_context = ctx;
  return o;
}

float max_abs_diff(std::span<const float> a, std::span<const float> b) {
  float w = 0;
  for (size_t i = 0; i < a.size(); ++i) w = std::max(w, std::fabs(a[i] - b[i]));
  return w;
}

TEST(CompileStories, PrefillLogitsMatchReference) {
  Model m = load_model(test::repo_path("models/stories260K.bin"));
  ModelRunner r(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), fp32_opts(64));
  reference::ReferenceModel rm(m.config, *m.weights, 64);
  const std::vector<int64_t> prompt = {1, 403, 407, 261, 378, 1000 % 512, 259, 1, 77};
  std::span<const float> want;
  for (size_t i = 0; i < prompt.size(); ++i) want = rm.forward(prompt[i], int64_t(i));
  auto got = r.prefill(prompt);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_LT(max_abs_diff(got, want), kLogitTol);
  // One decode step after the prefill.
  want = rm.forward(42, int64_t(prompt.size()));
  got = r.decode({42});
  EXPECT_LT(max_abs_diff(got, want), kLogitTol);
  EXPECT_EQ(r.steps().size(), 2u);
  for (auto& s : r.steps()) EXPECT_GT(s.sim_ns, 0);
}

TEST(CompileStories, GreedyFromBosMatchesReferencesFor200Tokens) {
  auto fx = test::read_json(test::repo_path("tests/llm/fixtures/stories260K_ref.json"));
  auto numpy_tokens = fx["greedy_from_bos"].get<std::vector<int64_t>>();
  constexpr int64_t kSteps = 200;
  ASSERT_GE(int64_t(numpy_tokens.size()), kSteps);
  Model m = load_model(test::repo_path("models/stories260K.bin"));
  reference::ReferenceModel rm(m.config, *m.weights, 256);
  auto ref_tokens = test::greedy(rm, {m.config.bos_id}, kSteps);

  for (bool resident : {true, false}) {  // weights in SBUF homes, or streamed from HBM
    RunnerOptions o = fp32_opts(256);
    o.compile.resident_weights = resident;
    ModelRunner r(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
    EXPECT_EQ(r.weights_resident(), resident);
    const std::vector<int64_t> got = test::greedy(r, {m.config.bos_id}, kSteps);
    EXPECT_EQ(got, ref_tokens) << "resident " << resident;
    EXPECT_EQ(got, std::vector<int64_t>(numpy_tokens.begin(), numpy_tokens.begin() + kSteps)) << "resident " << resident;
  }
}

// Bucketed decode programs (built once per 128 positions, patched in between, keys after the
// current position masked) give the same tokens across a bucket boundary, and the patched
// programs are race-free.
TEST(CompileStories, BucketedDecodeProgramsGiveTheSameTokens) {
  constexpr int64_t kSteps = 140;
  Model m = load_model(test::repo_path("models/stories260K.bin"));
  reference::ReferenceModel rm(m.config, *m.weights, 160);
  auto ref_tokens = test::greedy(rm, {m.config.bos_id, 300, 301}, kSteps);
  RunnerOptions o = fp32_opts(160);
  o.decode_key_bucket = 128;
  o.check_races = true;
  ModelRunner r(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
  const std::vector<int64_t> got = test::greedy(r, {m.config.bos_id, 300, 301}, kSteps);
  EXPECT_EQ(got, ref_tokens);
  int built = 0, patched = 0;
  for (const auto& s : r.steps())
    if (s.kind == compile::StepSpec::Kind::Decode) (s.patched ? patched : built)++;
  EXPECT_EQ(built, 2);  // positions 3..127 and 128..141
  EXPECT_EQ(patched, kSteps - 1 - 2);
  for (const auto& s : r.steps()) EXPECT_EQ(s.races, 0u);
}

}  // namespace
}  // namespace npulab::llm
