// Built-in configs: published parameter counts follow from the hyperparameters.
#include <gtest/gtest.h>

#include "llm/builtin_configs.h"

namespace npulab::llm {
namespace {

ModelConfig get(const std::string& n) {
  auto c = builtin_config(n);
  EXPECT_TRUE(c.has_value()) << n;
  return c.value_or(ModelConfig{});
}

TEST(BuiltinConfigs, AllNamesResolveAndValidate) {
  auto names = builtin_config_names();
  EXPECT_EQ(names.size(), 13u);
  for (const auto& n : names) {
    ModelConfig c = get(n);
    EXPECT_EQ(c.name, n);
    EXPECT_NO_THROW(c.validate(n));
  }
  EXPECT_TRUE(builtin_config("Llama-3.1-8B").has_value());  // case-insensitive
  EXPECT_FALSE(builtin_config("llama-9").has_value());
}

TEST(BuiltinConfigs, ParameterCountsMatchPublishedSizes) {
  // Exact count of meta-llama/Llama-3.1-8B (safetensors metadata total): 8,030,261,248.
  EXPECT_EQ(get("llama-3.1-8b").param_count(), 8030261248);
  auto near = [](int64_t got, double billions, double tol) {
    EXPECT_NEAR(double(got) / 1e9, billions, tol);
  };
  near(get("llama-3.1-70b").param_count(), 70.55, 0.05);
  near(get("llama-3.3-70b").param_count(), 70.55, 0.05);
  near(get("llama-3.1-405b").param_count(), 405.85, 0.1);
  near(get("mixtral-8x7b").param_count(), 46.70, 0.05);
  near(get("qwen2.5-72b").param_count(), 72.71, 0.05);
  // Exact counts of the Hugging Face checkpoints (safetensors metadata totals).
  EXPECT_EQ(get("llama-2-7b").param_count(), 6738415616);
  EXPECT_EQ(get("llama-2-13b").param_count(), 13015864320);
  EXPECT_EQ(get("llama-2-70b").param_count(), 68976648192);
  EXPECT_EQ(get("llama-3-8b").param_count(), 8030261248);
  EXPECT_EQ(get("mistral-7b-instruct-v0.2").param_count(), 7241732096);
  EXPECT_EQ(get("codellama-13b").param_count(), 13016028160);  // Llama-2-13B + 16 tokens x 5120 x 2
  near(get("llama-3-70b").param_count(), 70.55, 0.05);
}

TEST(BuiltinConfigs, HyperparametersFromConfigJson) {
  ModelConfig l = get("llama-3.1-8b");
  EXPECT_EQ(l.arch, "llama");
  EXPECT_EQ(l.head_dim, 128);
  EXPECT_EQ(l.n_kv_heads, 8);
  EXPECT_EQ(l.rope_theta, 500000.0);
  EXPECT_TRUE(l.rope_scaling.enabled);
  EXPECT_EQ(l.rope_scaling.factor, 8.0);
  EXPECT_EQ(l.max_seq_len, 131072);
  EXPECT_EQ(l.bos_id, 128000);
  EXPECT_TRUE(l.is_eos(128009));
  ModelConfig m = get("mixtral-8x7b");
  EXPECT_TRUE(m.is_moe());
  EXPECT_EQ(m.n_experts, 8);
  EXPECT_EQ(m.n_experts_per_tok, 2);
  EXPECT_EQ(m.sliding_window, 0);  // "sliding_window": null
  ModelConfig q = get("qwen2.5-72b");
  EXPECT_TRUE(q.qkv_bias);
  EXPECT_EQ(q.vocab_size, 152064);
  EXPECT_EQ(q.sliding_window, 0);  // use_sliding_window: false
  EXPECT_EQ(get("llama-3.1-405b").n_layers, 126);
}

TEST(BuiltinConfigs, Llama3RopeScalingBands) {
  // Llama 3.1-8B: the 8 lowest frequencies (wavelength > 8192) are divided by 8, the highest
  // (wavelength < 2048) are untouched.
  ModelConfig c = get("llama-3.1-8b");
  auto scaled = rope_inv_freq(c);
  c.rope_scaling.enabled = false;
  auto plain = rope_inv_freq(c);
  ASSERT_EQ(scaled.size(), 64u);
  EXPECT_EQ(scaled[0], plain[0]);
  EXPECT_FLOAT_EQ(scaled[63], plain[63] / 8.0f);
  int between = 0;
  for (size_t i = 0; i < 64; ++i)
    if (scaled[i] < plain[i] && scaled[i] > plain[i] / 8.0f) ++between;
  EXPECT_GT(between, 0);  // the smooth band
}

}  // namespace
}  // namespace npulab::llm
