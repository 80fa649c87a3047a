#include "gpu/step_model.h"

#include <fmt/format.h>

#include <vector>

#include "common/error.h"

namespace npulab::gpu {

LayerShape GpuDeployment::shape() const {
  LayerShape s = LayerShape::of(model, weight_dtype);
  s.kv_dtype = kv_dtype;
  return s;
}

std::string GpuDeployment::describe() const {
  return fmt::format("{} {} on {} (TP{} over {} of {} {}; calibration {})", model.name, dtype_name(weight_dtype),
                     system.name, tp, tp, system.gpus, system.gpu.name, cal.name);
}

void GpuDeployment::validate() const {
  if (tp < 1 || tp > int64_t(system.gpus) || system.gpus % tp)
    fail("--tp {}: expected a divisor of the {} GPUs of system '{}'", tp, system.gpus, system.name);
  if (model.n_heads % tp || model.n_kv_heads % tp || model.hidden_dim % tp)
    fail("--tp {}: model '{}' has {} heads, {} KV heads and FFN size {}: tensor parallelism must divide each", tp,
         model.name, model.n_heads, model.n_kv_heads, model.hidden_dim);
  if (weight_dtype != DType::BF16 && weight_dtype != DType::F16 && weight_dtype != DType::F8E4M3)
    fail("--dtype {}: the GPU model runs bf16, f16 or f8e4m3 weights", dtype_name(weight_dtype));
  if (kv_dtype != DType::BF16 && kv_dtype != DType::F8E4M3)
    fail("KV cache dtype {}: the GPU model keeps it in bf16 or f8e4m3", dtype_name(kv_dtype));
  if (max_context < 2) fail("max context {}: expected at least 2 tokens", max_context);
  if (max_context > model.max_seq_len)
    fail("max context {} exceeds the {} tokens model '{}' supports", max_context, model.max_seq_len, model.name);
}

double GpuDeployment::weight_bytes_per_gpu() const {
  return double(model.param_count()) * double(dtype_size(weight_dtype)) / double(tp);
}

StepTime step_time(const GpuDeployment& d, std::span<const serve::SeqStep> step) {
  const GpuModel g = d.op_model();
  const LayerShape s = d.shape();
  int64_t T = 0, sampled = 0;
  std::vector<AttnSeq> attn;
  for (const serve::SeqStep& q : step) {
    if (q.new_tokens < 0 || q.context < 0)
      fail("step: a sequence with context {} and {} new tokens", q.context, q.new_tokens);
    T += q.new_tokens;
    sampled += q.samples ? 1 : 0;
    attn.push_back({q.context, q.new_tokens});
  }
  StepTime t;
  if (T == 0) return t;
  auto add = [&](const Op& op) {
    const double ns = op_ns(g, op, s.weight_dtype, s.act_dtype);
    switch (op.kind) {
      case OpKind::Gemm: t.gemm_ns += ns; break;
      case OpKind::AllReduce: t.allreduce_ns += ns; break;
      default: t.memory_ns += ns;
    }
  };
  for (const Op& op : layer_ops(s, T, d.tp)) add(op);
  t.gemm_ns *= double(d.model.n_layers);
  t.allreduce_ns *= double(d.model.n_layers);
  t.memory_ns *= double(d.model.n_layers);
  t.attention_ns = attention_ns(g, s, attn, d.tp) * double(d.model.n_layers);
  add(embedding_op(s, T));
  for (const Op& op : head_ops(s, sampled, d.tp)) add(op);
  return t;
}

serve::KvMemory gpu_kv_memory(const GpuDeployment& d, int64_t max_batched_tokens) {
  const double per_gpu = double(d.system.gpu.hbm_capacity_bytes) * d.cal.host.memory_utilization;
  // Activations of the largest step: the MLP's widest intermediate (gate and up, FP32-free
  // BF16) and the logits, per GPU; vLLM profiles the same peak before sizing its cache.
  const double act = double(max_batched_tokens) * double(2 * d.model.hidden_dim / d.tp + 4 * d.model.dim) *
                         double(dtype_size(DType::BF16)) +
                     double(max_batched_tokens) * double(d.model.vocab_size) * 4 / double(d.tp);
  const double left = per_gpu - d.weight_bytes_per_gpu() - act;
  if (left <= 0)
    fail("model '{}' in {} needs {:.1f} GB per GPU for weights and activations at TP{}; a {} holds {:.1f} GB "
         "(x {} usable): use a larger --tp or system",
         d.model.name, dtype_name(d.weight_dtype), (d.weight_bytes_per_gpu() + act) / 1e9, d.tp, d.system.gpu.name,
         double(d.system.gpu.hbm_capacity_bytes) / 1e9, d.cal.host.memory_utilization);
  serve::KvMemory m;
  m.capacity_bytes = int64_t(left * double(d.tp));
  m.bytes_per_token = 2 * d.model.n_layers * d.model.kv_dim() * int64_t(dtype_size(d.kv_dtype));
  m.max_context = d.max_context;
  return m;
}

GpuPerfModel::GpuPerfModel(GpuDeployment d, int64_t max_batched_tokens)
    : d_(std::move(d)), max_batched_tokens_(max_batched_tokens) {
  d_.validate();
  gpu_kv_memory(d_, max_batched_tokens_);  // fails now, naming the model, if it does not fit
}

}  // namespace npulab::gpu
