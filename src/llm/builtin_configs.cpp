// Built-in model configs, written as the subset of each model's Hugging Face config.json
// that matters (values copied from the published config.json files) and parsed by the same
// parse_hf_config as real checkpoints, so a built-in and a downloaded config cannot drift.
#include "llm/builtin_configs.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "llm/hf_config.h"

namespace npulab::llm {
namespace {

struct Builtin {
  const char* name;
  const char* hf_repo;  // where the values come from
  const char* config_json;
};

// meta-llama/Llama-3.1-*-Instruct and Llama-3.3-70B-Instruct share the Llama 3.1 RoPE
// scaling block and the 128256-token vocabulary; eos lists <|end_of_text|>,
// <|eom_id|>, <|eot_id|>.
// Plain string literals (a backslash-newline inside a raw string would stay in the text).
#define LLAMA31_ROPE                                                                  \
  "\"rope_theta\": 500000.0, \"rope_scaling\": {\"factor\": 8.0, "                 \
  "\"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, "                            \
  "\"original_max_position_embeddings\": 8192, \"rope_type\": \"llama3\"},"
#define LLAMA3_COMMON                                                                 \
  "\"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": 128256, "              \
  "\"max_position_embeddings\": 131072, \"rms_norm_eps\": 1e-05, "                    \
  "\"tie_word_embeddings\": false, \"bos_token_id\": 128000, "                        \
  "\"eos_token_id\": [128001, 128008, 128009],"

// meta-llama/Llama-2-*-hf: 32000-token SentencePiece vocabulary, 4096 positions, RoPE base
// 10000 (70B with grouped-query attention, 8 KV heads).
#define LLAMA2_COMMON                                                                 \
  "\"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": 32000, "               \
  "\"max_position_embeddings\": 4096, \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0, " \
  "\"tie_word_embeddings\": false, \"bos_token_id\": 1, \"eos_token_id\": 2,"
// meta-llama/Meta-Llama-3-*: the Llama 3.1 vocabulary without its RoPE scaling, 8192 positions.
#define LLAMA3_0_COMMON                                                               \
  "\"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": 128256, "              \
  "\"max_position_embeddings\": 8192, \"rms_norm_eps\": 1e-05, \"rope_theta\": 500000.0, " \
  "\"tie_word_embeddings\": false, \"bos_token_id\": 128000, \"eos_token_id\": 128001,"

constexpr std::array<Builtin, 13> kBuiltins{{
    {"llama-3.1-8b", "meta-llama/Llama-3.1-8B-Instruct",
     "{" LLAMA3_COMMON LLAMA31_ROPE R"("hidden_size": 4096, "intermediate_size": 14336,
      "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8})"},
    {"llama-3.1-70b", "meta-llama/Llama-3.1-70B-Instruct",
     "{" LLAMA3_COMMON LLAMA31_ROPE R"("hidden_size": 8192, "intermediate_size": 28672,
      "num_hidden_layers": 80, "num_attention_heads": 64, "num_key_value_heads": 8})"},
    {"llama-3.1-405b", "meta-llama/Llama-3.1-405B-Instruct",
     "{" LLAMA3_COMMON LLAMA31_ROPE R"("hidden_size": 16384, "intermediate_size": 53248,
      "num_hidden_layers": 126, "num_attention_heads": 128, "num_key_value_heads": 8})"},
    {"llama-3.3-70b", "meta-llama/Llama-3.3-70B-Instruct",
     "{" LLAMA3_COMMON LLAMA31_ROPE R"("hidden_size": 8192, "intermediate_size": 28672,
      "num_hidden_layers": 80, "num_attention_heads": 64, "num_key_value_heads": 8})"},
    {"mixtral-8x7b", "mistralai/Mixtral-8x7B-v0.1",
     R"({"architectures": ["MixtralForCausalLM"], "hidden_size": 4096,
      "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
      "num_key_value_heads": 8, "num_local_experts": 8, "num_experts_per_tok": 2,
      "max_position_embeddings": 32768, "rope_theta": 1000000.0, "rms_norm_eps": 1e-05,
      "sliding_window": null, "vocab_size": 32000, "tie_word_embeddings": false,
      "bos_token_id": 1, "eos_token_id": 2})"},
    {"qwen2.5-72b", "Qwen/Qwen2.5-72B-Instruct",
     R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 8192,
      "intermediate_size": 29568, "num_hidden_layers": 80, "num_attention_heads": 64,
      "num_key_value_heads": 8, "max_position_embeddings": 32768, "rope_theta": 1000000.0,
      "rms_norm_eps": 1e-06, "sliding_window": 131072, "use_sliding_window": false,
      "vocab_size": 152064, "tie_word_embeddings": false, "bos_token_id": 151643,
      "eos_token_id": 151645})"},
    {"llama-2-7b", "meta-llama/Llama-2-7b-hf",
     "{" LLAMA2_COMMON R"("hidden_size": 4096, "intermediate_size": 11008,
      "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32})"},
    {"llama-2-13b", "meta-llama/Llama-2-13b-hf",
     "{" LLAMA2_COMMON R"("hidden_size": 5120, "intermediate_size": 13824,
      "num_hidden_layers": 40, "num_attention_heads": 40, "num_key_value_heads": 40})"},
    {"llama-2-70b", "meta-llama/Llama-2-70b-hf",
     "{" LLAMA2_COMMON R"("hidden_size": 8192, "intermediate_size": 28672,
      "num_hidden_layers": 80, "num_attention_heads": 64, "num_key_value_heads": 8})"},
    {"llama-3-8b", "meta-llama/Meta-Llama-3-8B",
     "{" LLAMA3_0_COMMON R"("hidden_size": 4096, "intermediate_size": 14336,
      "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8})"},
    {"llama-3-70b", "meta-llama/Meta-Llama-3-70B",
     "{" LLAMA3_0_COMMON R"("hidden_size": 8192, "intermediate_size": 28672,
      "num_hidden_layers": 80, "num_attention_heads": 64, "num_key_value_heads": 8})"},
    {"mistral-7b-instruct-v0.2", "mistralai/Mistral-7B-Instruct-v0.2",
     R"({"architectures": ["MistralForCausalLM"], "hidden_size": 4096,
      "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
      "num_key_value_heads": 8, "max_position_embeddings": 32768, "rope_theta": 1000000.0,
      "rms_norm_eps": 1e-05, "sliding_window": null, "vocab_size": 32000,
      "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": 2})"},
    {"codellama-13b", "codellama/CodeLlama-13b-hf",
     R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 5120,
      "intermediate_size": 13824, "num_hidden_layers": 40, "num_attention_heads": 40,
      "num_key_value_heads": 40, "max_position_embeddings": 16384, "rope_theta": 1000000,
      "rms_norm_eps": 1e-05, "vocab_size": 32016, "tie_word_embeddings": false,
      "bos_token_id": 1, "eos_token_id": 2})"},
}};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

std::optional<ModelConfig> builtin_config(const std::string& name) {
  const std::string want = lower(name);
  for (const auto& b : kBuiltins) {
    if (want != b.name) continue;
    ModelConfig c = parse_hf_config_text(b.config_json, std::string("builtin:") + b.name);
    c.name = b.name;
    return c;
  }
  return std::nullopt;
}

std::vector<std::string> builtin_config_names() {
  std::vector<std::string> out;
  for (const auto& b : kBuiltins) out.push_back(b.name);
  return out;
}

}  // namespace npulab::llm
