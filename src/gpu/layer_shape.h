// The shape of a transformer layer as the GPU operator model needs it, and the operators
// one layer runs on one GPU of a tensor-parallel group (Megatron-style: q/k/v and the MLP's
// up projection split by columns, o and down projections by rows, one all-reduce after
// each). The same list drives the step model (gpu/step_model.h) and the calibration on
// Vidur's measured operators (gpu/vidur_data.h), so the fitted operator is the one timed.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "llm/model_config.h"
#include "numerics/dtype.h"

namespace npulab::gpu {

struct LayerShape {
  int64_t dim = 0, n_heads = 0, n_kv_heads = 0, head_dim = 0, hidden = 0;
  bool gated_mlp = true;             // SwiGLU (Llama) vs a plain activation (Phi-2)
  bool post_attention_norm = true;   // a norm before the MLP (not in Phi-2's parallel block)
  int64_t n_experts = 0, experts_per_token = 0;  // MoE (Mixtral); 0 = dense MLP
  int64_t vocab = 0;
  DType weight_dtype = DType::BF16;  // GEMM inputs: weights
  DType act_dtype = DType::BF16;     // activations
  DType kv_dtype = DType::BF16;      // the KV cache (FP8 E4M3 under a stack with fp8_kv_cache)

  static LayerShape of(const llm::ModelConfig& c, DType weight_dtype);
  int64_t q_dim() const { return n_heads * head_dim; }
  int64_t kv_dim() const { return n_kv_heads * head_dim; }
};

enum class OpKind { Gemm, Norm, Add, Rope, Act, Embedding, AllReduce };
const char* op_kind_name(OpKind k);

// One kernel: a GEMM [m x k] x [k x n], or a memory-bound kernel moving `bytes` in `rows`
// rows of `row_bytes` (one thread block each), or an all-reduce of `bytes` over `gpus`.
struct Op {
  std::string name;  // Vidur's operator names where it has one ("attn_pre_proj", ...)
  OpKind kind = OpKind::Gemm;
  int64_t m = 0, n = 0, k = 0;
  int64_t count = 1;  // identical kernels (MoE experts)
  double bytes = 0;
  int64_t rows = 0;
  double row_bytes = 0;
  int64_t gpus = 1;
};

// A layer's operators for `tokens` tokens on one of `tp` GPUs, attention itself excluded
// (it depends on each sequence's context: gpu/attention_model.h). MoE layers run their
// experts' GEMMs once per expert that receives tokens (tokens spread evenly over experts).
std::vector<Op> layer_ops(const LayerShape& s, int64_t tokens, int64_t tp);
// The token embedding (once per step) and the LM head over `sampled` rows with its norm.
Op embedding_op(const LayerShape& s, int64_t tokens);
std::vector<Op> head_ops(const LayerShape& s, int64_t sampled, int64_t tp);

}  // namespace npulab::gpu
