// Plain single-threaded FP32 forward pass of a Llama-family decoder over the Weights
// interface: the independent "plain C++" reference for the NPU path and the CPU baseline
// of the benchmarks. One token per call (decode-style), KV cache in host memory.
// Weights stay in their checkpoint dtype; each row is widened to FP32 when used.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "llm/model_config.h"
#include "llm/weights.h"

namespace npulab::llm::reference {

class ReferenceModel {
 public:
  // `weights` must outlive this object (views are not copied; the config is).
  // max_context <= 0 means the model's max_seq_len. Throws npulab::Error for weights that
  // do not match the config. Mixtral-style MoE layers route each token to its top-k
  // experts (moe_routing.h) and add the gate-weighted expert outputs in expert order.
  ReferenceModel(const ModelConfig& config, const Weights& weights, int64_t max_context = 0);

  // Runs token `token` at position `pos` (0-based; positions must be fed in order, each
  // once after reset) and returns the logits (vocab_size values, valid until the next call).
  std::span<const float> forward(int64_t token, int64_t pos);
  void reset() { next_pos_ = 0; }
  int64_t max_context() const { return max_ctx_; }
  const ModelConfig& config() const { return cfg_; }

 private:
  struct Expert {
    const TensorView *w1, *w2, *w3;
  };
  struct Layer {
    const TensorView *wq, *wk, *wv, *wo;
    Expert ffn;                   // dense models
    const TensorView* router = nullptr;  // MoE: [n_experts, dim]
    std::vector<Expert> experts;  // MoE
    std::vector<float> attn_norm, ffn_norm, bq, bk, bv;
  };
  void matvec(const TensorView& w, const float* x, float* out);
  // out = w2 (silu(w1 x) * w3 x)   (SwiGLU)
  void swiglu(const Expert& e, const float* x, float* out);
  void rope(float* vec, int64_t n_heads, int64_t pos) const;

  ModelConfig cfg_;  // a copy: callers may pass a temporary
  int64_t max_ctx_ = 0;
  int64_t next_pos_ = 0;
  const TensorView* embed_ = nullptr;
  const TensorView* classifier_ = nullptr;
  std::vector<float> final_norm_, inv_freq_;
  std::vector<Layer> layers_;
  std::vector<float> key_cache_, value_cache_;  // [layer][pos][kv_dim]
  std::vector<float> x_, xb_, q_, k_, v_, att_out_, h1_, h3_, scores_, logits_, row_, ffn_out_, moe_out_, router_;
};

// RMSNorm: out = x / sqrt(mean(x^2) + eps) * w.
void rmsnorm(float* out, const float* x, const float* w, int64_t n, float eps);
// In-place numerically stable softmax.
void softmax(float* x, int64_t n);

}  // namespace npulab::llm::reference
