#include "llm/runtime/roofline.h"

#include <algorithm>

namespace npulab::llm::runtime {

namespace {
// FFN weights one token-step touches per layer: dense 3*dim*hidden; MoE the router plus the
// experts actually used — at most `routed` (tokens x top-k) distinct experts of E.
double ffn_params(const ModelConfig& c, int64_t routed) {
  const double one = 3.0 * double(c.dim) * double(c.hidden_dim);
  if (!c.is_moe()) return one;
  return double(std::min<int64_t>(c.n_experts, routed)) * one + double(c.dim) * double(c.n_experts);
}

// Bytes one rank's decode step moves (c: the rank's share, tp_plan.h).
double rank_decode_bytes(const compile::ModelLayout& L, int64_t context, int64_t batch) {
  const ModelConfig& c = L.config();
  const double w = double(dtype_size(L.mm_dtype())), kv = double(dtype_size(L.kv_dtype()));
  const double mats = double(c.n_layers) * (double(c.dim * (c.q_dim() + 2 * c.kv_dim()) + c.q_dim() * c.dim) +
                                            ffn_params(c, batch * c.n_experts_per_tok)) +
                      double(c.dim) * double(L.shard().vocab_n);
  const double kv_read = 2.0 * double(c.n_layers) * double(batch) * double(c.kv_dim()) * double(context + 1) * kv;
  const double kv_write = 2.0 * double(c.n_layers) * double(batch) * double(c.kv_dim()) * kv;
  // Resident weights are in SBUF already (loaded once by the preload): a step moves only
  // the KV cache and the embedding rows.
  return (L.resident_weights() ? 0.0 : mats * w) + kv_read + kv_write + double(batch) * double(c.dim) * kv;
}
}  // namespace

DecodeBound decode_bound(const compile::TpLayout& L, int64_t context, int64_t batch) {
  DecodeBound b;
  for (int64_t r = 0; r < L.ranks(); ++r) b.bytes += rank_decode_bytes(L.rank(r), context, batch);
  const auto& chip = L.chip();
  b.cores = L.ranks();
  b.chip_hbm_ns = b.bytes / chip.hbm.bandwidth_gbps;
  b.core_dma_ns = b.bytes / (double(b.cores) * chip.dma.engines_per_core * chip.dma.bytes_per_ns_per_engine);
  return b;
}

PrefillBound prefill_bound(const compile::TpLayout& L, int64_t tokens) {
  const ModelConfig& c = L.config();
  const double T = double(tokens);
  // Per token: MoE models count the top-k experts each token is routed to (useful FLOPs).
  const double proj = double(c.dim * (c.q_dim() + 2 * c.kv_dim()) + c.q_dim() * c.dim) +
                      ffn_params(c, c.is_moe() ? c.n_experts_per_tok : 1);
  // Causal attention: QK^T and PV over T*(T+1)/2 (query, key) pairs per head.
  const double attn = 2.0 * 2.0 * double(c.n_heads) * double(c.head_dim) * T * (T + 1) / 2.0;
  PrefillBound b;
  b.flops = double(c.n_layers) * (2.0 * proj * T + attn) + 2.0 * double(c.dim) * double(c.vocab_size);
  const auto& te = L.chip().tensor;
  double factor = 1.0;
  if (dtype_size(L.rank(0).mm_dtype()) == 4) factor = te.fp32_factor;
  if (dtype_size(L.rank(0).mm_dtype()) == 1) factor = te.fp8_factor;
  const double core_flops_per_ns = 2.0 * te.rows * te.cols * te.clock_ghz / factor;
  b.cores = L.ranks();
  b.core_ns = b.flops / core_flops_per_ns / double(b.cores);
  b.chip_ns = b.flops / core_flops_per_ns / double(L.chip().cores_per_chip);
  return b;
}

}  // namespace npulab::llm::runtime
