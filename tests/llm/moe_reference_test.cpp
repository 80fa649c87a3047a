// The plain C++ reference forward pass on the tiny Mixtral fixture against torch
// (tests/llm/fixtures/gen_tiny_mixtral.py), and the HF routing rule on its own.
#include <gtest/gtest.h>

#include <cmath>

#include "llm/reference/moe_routing.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

TEST(MoeRouting, TopKOfSoftmaxRenormalisedInExpertOrder) {
  const float logits[4] = {0.0f, 3.0f, 1.0f, 2.0f};
  auto r = reference::route_token(logits, 4, 2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].expert, 1);  // ascending expert order, not by gate
  EXPECT_EQ(r[1].expert, 3);
  const float e1 = std::exp(1.0f);  // p3 / p1 = e^-1
  EXPECT_NEAR(r[0].gate, e1 / (1.0f + e1), 1e-6f);
  EXPECT_NEAR(r[1].gate, 1.0f / (1.0f + e1), 1e-6f);
  EXPECT_FLOAT_EQ(r[0].gate + r[1].gate, 1.0f);
  // Ties: the lower expert index wins; top-1 has gate 1.
  const float tie[3] = {2.0f, 5.0f, 5.0f};
  auto t = reference::route_token(tie, 3, 1);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].expert, 1);
  EXPECT_EQ(t[0].gate, 1.0f);
  EXPECT_ERROR_CONTAINS(reference::route_token(tie, 3, 4), "top_k 4 outside 1..3");
}

TEST(MoeReference, TinyMixtralMatchesTorch) {
  Model m = load_model(test::tiny_path("mixtral"));
  auto ref = test::read_json(test::tiny_path("mixtral_ref.json"));
  auto prompt = ref["prompt"].get<std::vector<int64_t>>();
  auto want = ref["logits"].get<std::vector<std::vector<float>>>();
  reference::ReferenceModel r(m.config, *m.weights, 64);
  for (size_t p = 0; p < prompt.size(); ++p) {
    auto got = r.forward(prompt[p], int64_t(p));
    ASSERT_EQ(got.size(), want[p].size());
    float worst = 0;
    for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[p][i]));
    EXPECT_LT(worst, 2e-4f) << "position " << p;  // FP32, summation order and libm only
  }
  EXPECT_EQ(test::greedy(r, prompt, 20), ref["greedy"].get<std::vector<int64_t>>());
}

}  // namespace
}  // namespace npulab::llm
