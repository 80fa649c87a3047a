// The architecture registry (llm/architecture.h, one file per family in src/llm/arch/):
// every family is found by its Hugging Face and GGUF names, and decides the features a
// config.json gives a model (q/k/v biases, sliding window, experts).
#include <gtest/gtest.h>

#include <set>

#include "llm/architecture.h"
#include "llm/hf_config.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

TEST(Architecture, RegistryHoldsEachFamilyOnceSortedByName) {
  std::vector<std::string> names;
  std::set<std::string_view> types, classes;
  for (const Architecture* a : architectures()) {
    names.emplace_back(a->name);
    EXPECT_FALSE(a->description.empty()) << a->name;
    EXPECT_TRUE(types.insert(a->hf_model_type).second) << a->hf_model_type;
    EXPECT_TRUE(classes.insert(a->hf_class).second) << a->hf_class;
    EXPECT_EQ(find_architecture(a->name), a);
    EXPECT_EQ(find_hf_model_type(a->hf_model_type), a);
    EXPECT_EQ(find_hf_class(a->hf_class), a);
  }
  for (const char* n : {"llama", "mistral", "mixtral", "qwen2"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(find_architecture("gpt2"), nullptr);
  EXPECT_EQ(find_hf_class("GPTNeoXForCausalLM"), nullptr);
}

TEST(Architecture, GgufNamesWithAndWithoutExperts) {
  // llama.cpp writes Llama and Mistral files as "llama", Mixtral as "llama" with experts.
  EXPECT_EQ(find_gguf_architecture("llama", false)->name, "llama");
  EXPECT_EQ(find_gguf_architecture("llama", true)->name, "mixtral");
  EXPECT_EQ(find_gguf_architecture("qwen2", false)->name, "qwen2");
  EXPECT_EQ(find_gguf_architecture("qwen2", true), nullptr);
  EXPECT_EQ(find_gguf_architecture("gpt2", false), nullptr);
  EXPECT_EQ(find_gguf_architecture("", false), nullptr);  // "no GGUF name" matches nothing
}

// A small config.json of `cls` / `type` with extra keys.
ModelConfig parse(const std::string& cls, const std::string& type, const std::string& extra) {
  std::string j = R"({"hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 1,
    "num_attention_heads": 4, "vocab_size": 300)";
  if (!cls.empty()) j += R"(, "architectures": [")" + cls + R"("])";
  if (!type.empty()) j += R"(, "model_type": ")" + type + R"(")";
  if (!extra.empty()) j += ", " + extra;
  return parse_hf_config_text(j + "}", "x.json");
}

TEST(Architecture, QkvBiasAsEachFamilySaysIt) {
  EXPECT_FALSE(parse("LlamaForCausalLM", "", "").qkv_bias);
  EXPECT_TRUE(parse("LlamaForCausalLM", "", R"("attention_bias": true)").qkv_bias);  // LlamaConfig key
  EXPECT_TRUE(parse("Qwen2ForCausalLM", "", "").qkv_bias);                             // always
  EXPECT_FALSE(parse("MistralForCausalLM", "", R"("attention_bias": true)").qkv_bias);  // never
}

TEST(Architecture, SlidingWindowAsEachFamilySaysIt) {
  const std::string w = R"("sliding_window": 16)";
  EXPECT_EQ(parse("MistralForCausalLM", "", w).sliding_window, 16);  // on unless disabled
  EXPECT_EQ(parse("MistralForCausalLM", "", w + R"(, "use_sliding_window": false)").sliding_window, 0);
  EXPECT_EQ(parse("MistralForCausalLM", "", R"("sliding_window": null)").sliding_window, 0);
  EXPECT_EQ(parse("Qwen2ForCausalLM", "", w).sliding_window, 0);  // off unless enabled
  EXPECT_EQ(parse("Qwen2ForCausalLM", "", w + R"(, "use_sliding_window": true)").sliding_window, 16);
  EXPECT_EQ(parse("LlamaForCausalLM", "", w + R"(, "use_sliding_window": true)").sliding_window, 0);  // none
}

TEST(Architecture, ExpertsOnlyForAnMoeFamily) {
  const std::string e = R"("num_local_experts": 4, "num_experts_per_tok": 2)";
  const ModelConfig m = parse("MixtralForCausalLM", "", e);
  EXPECT_EQ(m.arch, "mixtral");
  EXPECT_EQ(m.n_experts, 4);
  EXPECT_EQ(m.n_experts_per_tok, 2);
  EXPECT_EQ(parse("LlamaForCausalLM", "", e).n_experts, 0);
  EXPECT_ERROR_CONTAINS(parse("MixtralForCausalLM", "", ""), "x.json", "num_local_experts");
}

TEST(Architecture, ModelTypeAndClassMustAgree) {
  EXPECT_EQ(parse("", "qwen2", "").arch, "qwen2");  // model_type alone is enough
  EXPECT_EQ(parse("Qwen2ForCausalLM", "qwen2", "").arch, "qwen2");
  EXPECT_ERROR_CONTAINS(parse("LlamaForCausalLM", "qwen2", ""), "x.json", "model_type 'qwen2'", "LlamaForCausalLM");
  EXPECT_ERROR_CONTAINS(parse("", "gpt_neox", ""), "x.json", "unknown architecture 'gpt_neox'", "qwen2 (Qwen2ForCausalLM)");
  EXPECT_ERROR_CONTAINS(parse("", "", ""), "x.json", "architectures");
}

TEST(Architecture, ConfigNamingNoArchitectureIsInvalid) {
  ModelConfig c = parse("LlamaForCausalLM", "", "");
  c.validate("ok");
  c.arch = "gpt2";
  EXPECT_ERROR_CONTAINS(c.validate("y"), "y", "'gpt2'", "llama", "qwen2");
}

}  // namespace
}  // namespace npulab::llm
