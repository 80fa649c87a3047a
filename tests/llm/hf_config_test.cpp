// config.json parsing details beyond the fixture models: Mistral sliding window, old-style
// rope_scaling "type", eos lists, explicit head_dim, missing keys.
#include <gtest/gtest.h>

#include "common/error.h"
#include "llm/hf_config.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

const char* kMistral = R"({"architectures": ["MistralForCausalLM"], "hidden_size": 4096,
  "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
  "num_key_value_heads": 8, "max_position_embeddings": 32768, "rope_theta": 10000.0,
  "rms_norm_eps": 1e-05, "sliding_window": 4096, "vocab_size": 32000,
  "bos_token_id": 1, "eos_token_id": 2, "tie_word_embeddings": false})";

TEST(HfConfig, MistralSlidingWindow) {
  ModelConfig c = parse_hf_config_text(kMistral, "mistral.json");
  EXPECT_EQ(c.arch, "mistral");
  EXPECT_EQ(c.sliding_window, 4096);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.kv_dim(), 1024);
  EXPECT_EQ(c.eos_ids, std::vector<int64_t>{2});
}

TEST(HfConfig, OldStyleRopeScalingEosListAndHeadDim) {
  ModelConfig c = parse_hf_config_text(
      R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 96,
        "num_hidden_layers": 1, "num_attention_heads": 2, "head_dim": 16, "vocab_size": 300,
        "rope_scaling": {"type": "llama3", "factor": 4.0, "low_freq_factor": 1.0,
        "high_freq_factor": 2.0, "original_max_position_embeddings": 128},
        "eos_token_id": [7, 9], "bos_token_id": 5})",
      "x.json");
  EXPECT_EQ(c.n_kv_heads, 2);  // defaults to n_heads
  EXPECT_EQ(c.head_dim, 16);   // explicit, not dim / heads
  EXPECT_EQ(c.q_dim(), 32);
  EXPECT_TRUE(c.rope_scaling.enabled);
  EXPECT_EQ(c.rope_scaling.factor, 4.0);
  EXPECT_EQ(c.rope_scaling.high_freq_factor, 2.0);
  EXPECT_TRUE(c.is_eos(7) && c.is_eos(9) && !c.is_eos(2));
  EXPECT_EQ(c.bos_id, 5);
}

TEST(HfConfig, ErrorsNameFileAndKey) {
  EXPECT_ERROR_CONTAINS(parse_hf_config_text(R"({"architectures": ["LlamaForCausalLM"]})", "a.json"),
                        "a.json", "hidden_size");
  EXPECT_ERROR_CONTAINS(parse_hf_config_text(R"({"hidden_size": 4})", "b.json"), "b.json",
                        "architectures");
  EXPECT_ERROR_CONTAINS(
      parse_hf_config_text(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64,
        "intermediate_size": 96, "num_hidden_layers": 1, "num_attention_heads": 4,
        "num_key_value_heads": 3, "vocab_size": 10})", "c.json"),
      "c.json", "n_kv_heads");
  EXPECT_ERROR_CONTAINS(
      parse_hf_config_text(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64,
        "intermediate_size": 96, "num_hidden_layers": 1, "num_attention_heads": 4,
        "vocab_size": 10, "eos_token_id": 10})", "d.json"),
      "d.json", "eos id 10");
  EXPECT_ERROR_CONTAINS(parse_hf_config_text("{", "e.json"), "e.json", "JSON");
}

}  // namespace
}  // namespace npulab::llm
