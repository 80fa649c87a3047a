// The plain C++ reference forward pass against an independent numpy implementation
// (tests/llm/fixtures/gen_stories_ref.py) on the real stories260K checkpoint.
#include <gtest/gtest.h>

#include <cmath>

#include "llm/model.h"
#include "llm/reference/forward.h"
#include "llm/reference/sampler.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

// numpy computes in FP32 matmuls with FP64 norms/softmax; the C++ reference in FP32 with
// sequential sums. Logits differ by accumulation order only: ~1e-5 observed.
constexpr float kLogitTol = 1e-4f;

TEST(StoriesReference, GreedyFromBosMatchesNumpyFor256Tokens) {
  auto ref = test::read_json(test::repo_path("tests/llm/fixtures/stories260K_ref.json"));
  Model m = load_model(test::repo_path("models/stories260K.bin"));
  reference::ReferenceModel rm(m.config, *m.weights);
  auto want = ref["greedy_from_bos"].get<std::vector<int64_t>>();
  ASSERT_GE(want.size(), 200u);
  auto got = test::greedy(rm, {m.config.bos_id}, int64_t(want.size()));
  EXPECT_EQ(got, want);
}

TEST(StoriesReference, LogitsMatchNumpy) {
  auto ref = test::read_json(test::repo_path("tests/llm/fixtures/stories260K_ref.json"));
  Model m = load_model(test::repo_path("models/stories260K.bin"));
  reference::ReferenceModel rm(m.config, *m.weights);
  auto tokens = ref["greedy_from_bos"].get<std::vector<int64_t>>();
  const auto& at = ref["logits_at_position"];
  int checked = 0;
  for (int64_t pos = 0; pos < 256; ++pos) {
    auto logits = rm.forward(pos == 0 ? 1 : tokens[size_t(pos - 1)], pos);
    const std::string key = std::to_string(pos);
    if (!at.contains(key)) continue;
    auto want = at[key].get<std::vector<float>>();
    ASSERT_EQ(want.size(), logits.size());
    float worst = 0;
    for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::fabs(want[i] - logits[i]));
    EXPECT_LT(worst, kLogitTol) << "position " << pos;
    ++checked;
  }
  EXPECT_EQ(checked, int(at.size()));
}

TEST(StoriesReference, ContextOverflowAndBadTokensAreErrors) {
  Model m = load_model(test::repo_path("models/stories260K.bin"));
  reference::ReferenceModel rm(m.config, *m.weights, /*max_context=*/4);
  EXPECT_EQ(rm.max_context(), 4);
  EXPECT_THROW(rm.forward(512, 0), npulab::Error);
  EXPECT_THROW(rm.forward(1, 1), npulab::Error);  // out of order
  for (int64_t p = 0; p < 4; ++p) rm.forward(1, p);
  EXPECT_THROW(rm.forward(1, 4), npulab::Error);
  reference::Sampler s({});
  EXPECT_THROW(reference::generate(rm, {1, 1, 1, 1, 1}, 3, s), npulab::Error);
  auto out = reference::generate(rm, {1, 1}, 10, s);
  EXPECT_EQ(out.size(), 3u);  // stops when the context is full
}

}  // namespace
}  // namespace npulab::llm
