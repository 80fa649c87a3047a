// Hugging Face directories (tests/llm/fixtures/gen_tiny_hf.py) against torch logits.
#include <gtest/gtest.h>

#include <cmath>

#include "llm/model.h"
#include "llm/reference/forward.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

// FP32 tolerance on logits (|logit| <~ 10): torch and the C++ reference differ only in
// summation order and libm; observed max error ~1e-5. BF16/F16 variants store weights
// already rounded, and torch computes in FP32 from the same rounded values, so the same
// tolerance applies.
constexpr float kLogitTol = 2e-4f;

// Feeds the fixture's prompt one token at a time and compares every position's logits.
void expect_logits_match(const Model& m, const std::string& ref_name) {
  auto ref = test::read_json(test::tiny_path(ref_name + "_ref.json"));
  reference::ReferenceModel rm(m.config, *m.weights);
  auto prompt = ref["prompt"].get<std::vector<int64_t>>();
  auto want = ref["logits"].get<std::vector<std::vector<float>>>();
  ASSERT_EQ(want.size(), prompt.size());
  for (size_t p = 0; p < prompt.size(); ++p) {
    auto got = rm.forward(prompt[p], int64_t(p));
    ASSERT_EQ(got.size(), want[p].size());
    float worst = 0;
    for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[p][i]));
    EXPECT_LT(worst, kLogitTol) << ref_name << " position " << p;
  }
  EXPECT_EQ(test::greedy(rm, prompt, int64_t(ref["greedy"].size())),
            ref["greedy"].get<std::vector<int64_t>>())
      << ref_name;
}

TEST(HfLoader, Llama3UntiedWithRopeScaling) {
  Model m = load_model(test::tiny_path("llama3"));
  EXPECT_EQ(m.format, "hf");
  const ModelConfig& c = m.config;
  EXPECT_EQ(c.arch, "llama");
  EXPECT_EQ(c.n_kv_heads, 2);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.rope_theta, 500000.0);
  EXPECT_TRUE(c.rope_scaling.enabled);
  EXPECT_EQ(c.rope_scaling.original_max_position, 64);
  EXPECT_EQ(c.rope_convention, RopeConvention::HalfSplit);
  EXPECT_FALSE(c.tied_embeddings);
  EXPECT_EQ(c.eos_ids, std::vector<int64_t>{2});
  EXPECT_EQ(m.weights->get("output").dtype, WDType::F32);
  expect_logits_match(m, "llama3");
}

TEST(HfLoader, ShardedTiedBf16) {
  Model m = load_model(test::tiny_path("llama_tied_sharded"));
  EXPECT_TRUE(m.config.tied_embeddings);
  EXPECT_FALSE(m.config.rope_scaling.enabled);
  EXPECT_EQ(m.weights->find("output"), nullptr);
  EXPECT_EQ(m.weights->get("layers.1.ffn.w2").dtype, WDType::BF16);
  expect_logits_match(m, "llama_tied_sharded");
}

TEST(HfLoader, Qwen2BiasTiedF16) {
  Model m = load_model(test::tiny_path("qwen2"));
  EXPECT_EQ(m.config.arch, "qwen2");
  EXPECT_TRUE(m.config.qkv_bias);
  EXPECT_EQ(m.config.sliding_window, 0);  // use_sliding_window: false
  EXPECT_EQ(m.weights->get("layers.0.attn.bk").shape, std::vector<int64_t>{32});
  EXPECT_EQ(m.weights->get("layers.0.attn.wq").dtype, WDType::F16);
  expect_logits_match(m, "qwen2");
}

TEST(GgufLoader, Llama3F32MatchesTorchAndSafetensors) {
  Model g = load_model(test::tiny_path("llama3.gguf"));
  EXPECT_EQ(g.format, "gguf");
  EXPECT_EQ(g.config.rope_convention, RopeConvention::Interleaved);
  EXPECT_EQ(g.config.rope_freq_factors.size(), 8u);
  EXPECT_FALSE(g.config.tied_embeddings);
  expect_logits_match(g, "llama3");
  // Same greedy tokens as the safetensors copy of the model, run through the same code.
  Model h = load_model(test::tiny_path("llama3"));
  reference::ReferenceModel rg(g.config, *g.weights), rh(h.config, *h.weights);
  const std::vector<int64_t> prompt{1, 9, 33};
  EXPECT_EQ(test::greedy(rg, prompt, 40), test::greedy(rh, prompt, 40));
  // The RoPE frequencies from rope_freqs.weight equal the llama3-scaled ones from config.json.
  auto fg = rope_inv_freq(g.config), fh = rope_inv_freq(h.config);
  for (size_t i = 0; i < fg.size(); ++i) EXPECT_NEAR(fg[i], fh[i], 1e-6f * fh[i]) << i;
}

TEST(GgufLoader, Q8_0MatchesTorchOnDequantizedWeights) {
  Model g = load_model(test::tiny_path("llama3_q8.gguf"));
  EXPECT_EQ(g.weights->get("layers.0.attn.wq").dtype, WDType::Q8_0);
  EXPECT_EQ(g.weights->get("layers.0.attn_norm").dtype, WDType::F32);
  expect_logits_match(g, "llama3_q8");
}

TEST(GgufLoader, Qwen2NotPermutedHalfSplit) {
  Model g = load_model(test::tiny_path("qwen2.gguf"));
  EXPECT_EQ(g.config.arch, "qwen2");
  EXPECT_EQ(g.config.rope_convention, RopeConvention::HalfSplit);
  EXPECT_TRUE(g.config.qkv_bias);
  EXPECT_TRUE(g.config.tied_embeddings);
  expect_logits_match(g, "qwen2");
}

TEST(GgufLoader, TokenizerMetadataExposed) {
  Model g = load_model(test::tiny_path("llama3.gguf"));
  ASSERT_TRUE(g.tokenizer.has_value());
  const EmbeddedTokenizer& t = *g.tokenizer;
  EXPECT_EQ(t.model, "llama");
  ASSERT_EQ(t.tokens.size(), 256u);
  EXPECT_EQ(t.tokens[1], "<s>");
  EXPECT_EQ(t.tokens[255], "<0xFF>");
  ASSERT_EQ(t.scores.size(), 256u);
  EXPECT_EQ(t.scores[10], -10.0f);
  ASSERT_EQ(t.token_types.size(), 256u);
  EXPECT_EQ(t.token_types[0], 2);
  EXPECT_EQ(t.bos_id, 1);
  EXPECT_EQ(t.eos_id, 2);
  EXPECT_TRUE(t.merges.empty());
  EXPECT_EQ(g.config.bos_id, 1);
  EXPECT_EQ(g.config.eos_ids, std::vector<int64_t>{2});
}

}  // namespace
}  // namespace npulab::llm
