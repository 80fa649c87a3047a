#include "gpu/layer_shape.h"

#include <algorithm>

#include "common/error.h"

namespace npulab::gpu {
namespace {

Op gemm(const char* name, int64_t m, int64_t n, int64_t k, int64_t count = 1) {
  Op o{name, OpKind::Gemm};
  o.m = m, o.n = n, o.k = k, o.count = count;
  return o;
}

// A row-wise kernel: `rows` rows each reading and writing `row_bytes` in all.
Op rowwise(const char* name, OpKind kind, int64_t rows, double row_bytes, double extra_bytes = 0) {
  Op o{name, kind};
  o.rows = rows;
  o.row_bytes = row_bytes;
  o.bytes = double(rows) * row_bytes + extra_bytes;
  return o;
}

Op allreduce(int64_t tokens, const LayerShape& s, int64_t tp) {
  Op o{"all_reduce", OpKind::AllReduce};
  o.bytes = double(tokens) * double(s.dim) * double(dtype_size(s.act_dtype));
  o.gpus = tp;
  return o;
}

}  // namespace

const char* op_kind_name(OpKind k) {
  switch (k) {
    case OpKind::Gemm: return "gemm";
    case OpKind::Norm: return "norm";
    case OpKind::Add: return "add";
    case OpKind::Rope: return "rope";
    case OpKind::Act: return "act";
    case OpKind::Embedding: return "embedding";
    case OpKind::AllReduce: return "all_reduce";
  }
  return "?";
}

LayerShape LayerShape::of(const llm::ModelConfig& c, DType weight_dtype) {
  LayerShape s;
  s.dim = c.dim, s.n_heads = c.n_heads, s.n_kv_heads = c.n_kv_heads, s.head_dim = c.head_dim;
  s.hidden = c.hidden_dim, s.vocab = c.vocab_size;
  s.n_experts = c.n_experts, s.experts_per_token = c.n_experts_per_tok;
  s.weight_dtype = weight_dtype;
  return s;
}

std::vector<Op> layer_ops(const LayerShape& s, int64_t T, int64_t tp) {
  if (tp < 1 || s.n_heads % tp || s.n_kv_heads % tp || s.hidden % tp)
    fail("tensor parallelism {}: expected a divisor of the model's heads ({}), KV heads ({}) and FFN size ({})", tp,
         s.n_heads, s.n_kv_heads, s.hidden);
  const double a = double(dtype_size(s.act_dtype));
  const double dim_row = double(s.dim) * a;
  const int64_t qkv = (s.q_dim() + 2 * s.kv_dim()) / tp, hid = s.hidden / tp;
  std::vector<Op> ops;
  ops.push_back(rowwise("input_layernorm", OpKind::Norm, T, 2 * dim_row, dim_row));
  ops.push_back(gemm("attn_pre_proj", T, qkv, s.dim));
  // RoPE rotates q and k in place (read and write), reading its cos/sin cache row.
  ops.push_back(rowwise("attn_rope", OpKind::Rope, T, 2.0 * double((s.q_dim() + s.kv_dim()) / tp) * a +
                                                         double(s.head_dim) * a));
  ops.push_back(gemm("attn_post_proj", T, s.dim, s.q_dim() / tp));
  if (tp > 1) ops.push_back(allreduce(T, s, tp));
  ops.push_back(rowwise("add", OpKind::Add, T, 3 * dim_row));
  if (s.post_attention_norm) ops.push_back(rowwise("post_attention_layernorm", OpKind::Norm, T, 2 * dim_row, dim_row));
  const int64_t up = (s.gated_mlp ? 2 : 1) * hid;
  // SwiGLU reads gate and up, writes one; a plain activation reads one and writes one.
  const double act_row = double((s.gated_mlp ? 3 : 2) * hid) * a;
  if (s.n_experts > 0) {
    const int64_t routed = T * s.experts_per_token;
    const int64_t active = std::min(s.n_experts, routed);
    const int64_t per_expert = (routed + active - 1) / active;
    ops.push_back(gemm("router", T, s.n_experts, s.dim));
    ops.push_back(gemm("mlp_up_proj", per_expert, up, s.dim, active));
    ops.push_back(rowwise("mlp_act", OpKind::Act, routed, act_row));
    ops.push_back(gemm("mlp_down_proj", per_expert, s.dim, hid, active));
  } else {
    ops.push_back(gemm("mlp_up_proj", T, up, s.dim));
    ops.push_back(rowwise("mlp_act", OpKind::Act, T, act_row));
    ops.push_back(gemm("mlp_down_proj", T, s.dim, hid));
  }
  if (tp > 1) ops.push_back(allreduce(T, s, tp));
  ops.push_back(rowwise("add", OpKind::Add, T, 3 * dim_row));
  return ops;
}

Op embedding_op(const LayerShape& s, int64_t T) {
  const double dim_row = double(s.dim) * double(dtype_size(s.act_dtype));
  return rowwise("emb", OpKind::Embedding, T, 2 * dim_row);
}

std::vector<Op> head_ops(const LayerShape& s, int64_t sampled, int64_t tp) {
  const double dim_row = double(s.dim) * double(dtype_size(s.act_dtype));
  std::vector<Op> ops;
  if (sampled == 0) return ops;
  ops.push_back(rowwise("final_norm", OpKind::Norm, sampled, 2 * dim_row, dim_row));
  ops.push_back(gemm("lm_head", sampled, (s.vocab + tp - 1) / tp, s.dim));
  if (tp > 1) {
    // vLLM gathers the vocabulary shards' FP32 logits: an all-gather moves half the bytes
    // of an all-reduce of the whole (one pass of the ring instead of two).
    Op o{"logits_gather", OpKind::AllReduce};
    o.bytes = double(sampled) * double(s.vocab) * 4 / 2;
    o.gpus = tp;
    ops.push_back(o);
  }
  return ops;
}

}  // namespace npulab::gpu
