// Model architectures: what sets one decoder-only family (Llama, Qwen2, Mistral, Mixtral,
// ...) apart from the Llama block they all share, and the names it goes by in each
// checkpoint format. One file per architecture, src/llm/arch/<name>.cpp, defines
// `const Architecture <name>` in npulab::llm::families; CMake lists those files, so a
// new architecture is that one file (docs/MODELS.md). Loaders look architectures up by the
// format's own name for them (Hugging Face config.json "model_type" or "architectures",
// GGUF general.architecture) and let them decide the model's features (QKV bias, sliding
// window, experts) in ModelConfig; the reference forward pass and the compiler implement
// those features and read them from the ModelConfig, never from an architecture's name.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "llm/model_config.h"

namespace npulab::llm {

// Biases on the q/k/v projections.
enum class QkvBias : uint8_t {
  Never,       // the family's attention has none
  Always,      // every checkpoint has them (Qwen2)
  FromConfig,  // Hugging Face config key `attention_bias` (Llama; default false)
};

// Sliding-window attention as the family's Hugging Face config expresses it.
enum class SlidingWindow : uint8_t {
  None,     // full attention
  Default,  // `sliding_window` (null = full) applies unless `use_sliding_window` is false
  OptIn,    // `sliding_window` applies only when `use_sliding_window` is true
};

// Mixture-of-experts FFN: where a family keeps its expert facts. Empty = dense SwiGLU FFN.
struct MoeNames {
  std::string_view hf_num_experts;  // config.json key of the experts per layer
  std::string_view hf_top_k;        // config.json key of the experts routed per token
  // Per-layer tensor names after "model.layers.N.": the router, and the expert prefix
  // followed by "E." and the gate / down / up projection names (canonical w1 / w2 / w3).
  std::string_view hf_router;
  std::string_view hf_expert_prefix;
  std::string_view hf_w1, hf_w2, hf_w3;
};

struct Architecture {
  std::string_view name;         // ModelConfig::arch, messages
  std::string_view description;  // what it adds to the Llama block, with its source
  std::string_view hf_model_type;  // config.json "model_type"
  std::string_view hf_class;       // config.json "architectures" entry
  // GGUF general.architecture of files of this family; empty when llama.cpp writes them as
  // another architecture (Mistral files say "llama"). Several families may share a name if
  // they differ in having experts (Mixtral files are "llama" with llama.expert_count).
  std::string_view gguf_name;
  // Row order of attn_q / attn_k in GGUF files: llama.cpp's converter permutes HF rows into
  // interleaved pairs for "llama" and keeps them for "qwen2" (docs/MODELS.md, RoPE).
  RopeConvention gguf_rope = RopeConvention::Interleaved;
  QkvBias qkv_bias = QkvBias::Never;
  SlidingWindow hf_window = SlidingWindow::None;
  MoeNames moe;

  bool is_moe() const { return !moe.hf_num_experts.empty(); }
};

// Every architecture, sorted by name.
std::span<const Architecture* const> architectures();
// "llama, mistral, ..." for messages.
std::string architecture_names();
// By ModelConfig::arch; null if none is registered under that name.
const Architecture* find_architecture(std::string_view name);
// By Hugging Face config.json "model_type" / "architectures" class name; null if unknown.
const Architecture* find_hf_model_type(std::string_view model_type);
const Architecture* find_hf_class(std::string_view hf_class);
// By GGUF general.architecture and whether the file has experts; null if unknown.
const Architecture* find_gguf_architecture(std::string_view general_architecture, bool has_experts);

}  // namespace npulab::llm
