// Hyperparameters of a decoder-only transformer (Llama family, Mistral, Qwen2, Mixtral).
// This is the one description of a model that loaders produce, the reference forward pass
// reads, and the compiler lowers; it carries everything needed to size and time a model
// without its weights (timing-only runs use the built-in configs in builtin_configs.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace npulab::llm {

// Which pairs of a head's channels RoPE rotates together. The choice is tied to the row
// order of wq/wk in the checkpoint, so it travels with the weights, not with the arch:
//  - Interleaved: pairs (2i, 2i+1) share frequency i. Meta/llama2.c checkpoints, and GGUF
//    "llama" files (llama.cpp's converter permutes HF wq/wk rows into this order).
//  - HalfSplit: pairs (i, i + head_dim/2) share frequency i ("rotate_half"). Hugging Face
//    checkpoints, and GGUF qwen2 files (llama.cpp's NEOX mode, rows not permuted).
// Both give identical attention scores for the same model; see docs/MODELS.md.
enum class RopeConvention : uint8_t { Interleaved, HalfSplit };
const char* rope_convention_name(RopeConvention c);

// Llama 3.1 "rope_type": "llama3" frequency scaling (HF _compute_llama3_parameters).
struct RopeScaling {
  bool enabled = false;
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position = 8192;
};

struct ModelConfig {
  std::string arch = "llama";  // a registered llm/architecture.h name: "llama", "qwen2", ...
  std::string name;          // built-in name or source path, for messages
  int64_t dim = 0;           // hidden size
  int64_t n_layers = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;    // == n_heads without GQA
  int64_t head_dim = 0;      // usually dim / n_heads
  int64_t hidden_dim = 0;    // FFN intermediate size (per expert for MoE)
  int64_t vocab_size = 0;
  int64_t max_seq_len = 0;   // context length the model supports
  double rope_theta = 10000.0;
  RopeConvention rope_convention = RopeConvention::HalfSplit;
  RopeScaling rope_scaling;
  // Per-frequency divisors of the inverse frequencies (head_dim/2 values), as GGUF files
  // store Llama 3.1 scaling (tensor rope_freqs.weight). Empty = none. When set, it is used
  // instead of rope_scaling (they describe the same thing).
  std::vector<float> rope_freq_factors;
  double rms_eps = 1e-5;
  // Features beyond the Llama block. The loaders set them as the model's architecture
  // (llm/architecture.h) says; the reference forward pass and the compiler implement each
  // one for any architecture and read only these fields.
  int64_t sliding_window = 0;     // Mistral: attend to the last N positions (0 = full)
  bool qkv_bias = false;          // Qwen2: q/k/v projections have biases
  bool tied_embeddings = false;   // logits use the token embedding matrix
  int64_t n_experts = 0;          // MoE: experts per layer (0 = dense FFN)
  int64_t n_experts_per_tok = 0;  // MoE: top-k experts routed per token
  int64_t bos_id = 1;
  std::vector<int64_t> eos_ids;   // generation stops on any of these

  int64_t q_dim() const { return n_heads * head_dim; }
  int64_t kv_dim() const { return n_kv_heads * head_dim; }
  bool is_moe() const { return n_experts > 0; }
  bool is_eos(int64_t tok) const;
  // Total parameter count implied by the config (for timing-only sizing and checks).
  int64_t param_count() const;
  // Throws npulab::Error naming `where` and the offending field if the config is
  // inconsistent (non-positive sizes, n_heads % n_kv_heads != 0, odd head_dim, ...).
  void validate(const std::string& where) const;
};

// head_dim of a config that does not state it: dim / n_heads, which must be exact. A head
// count that does not divide the hidden size is an error naming both and `key`, the field
// that would give head_dim explicitly (truncating would run with wrong attention shapes).
// n_heads <= 0 gives 0, which validate() then reports.
int64_t implied_head_dim(int64_t dim, int64_t n_heads, const std::string& where, const std::string& key);

// Inverse RoPE frequencies (head_dim/2 values) after any scaling: theta^(-2i/head_dim),
// divided per Llama 3.1 scaling or rope_freq_factors.
std::vector<float> rope_inv_freq(const ModelConfig& c);

}  // namespace npulab::llm
