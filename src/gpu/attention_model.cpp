// Attention of a step (docs/GPU.md, "Attention"): no measured attention times are in the
// calibration data, so its efficiencies are named assumptions of the calibration file.
#include <algorithm>

#include "gpu/op_model.h"

namespace npulab::gpu {

double attention_ns(const GpuModel& g, const LayerShape& s, std::span<const AttnSeq> seqs, int64_t tp) {
  const auto& p = g.cal.attention;
  const double hd = double(s.head_dim), heads = double(s.n_heads / tp), kv_heads = double(s.n_kv_heads / tp);
  const double a = double(dtype_size(s.act_dtype)), kvb = double(dtype_size(s.kv_dtype));
  const double peak = g.gpu.matmul_flops(s.act_dtype) * p.prefill_efficiency;
  const double bw = g.gpu.hbm_bytes_per_s();
  double pf_flops = 0, pf_bytes = 0, dec_flops = 0, dec_bytes = 0;
  bool any_prefill = false, any_decode = false;
  for (const AttnSeq& q : seqs) {
    const double c = double(q.context), t = double(q.new_tokens);
    if (t <= 0) continue;
    // QK^T and PV: 4 x head_dim FLOPs per (query, key) pair; query i sees c + i keys.
    const double pairs = t * c + t * (t + 1) / 2;
    const double flops = 4 * hd * heads * pairs;
    // Q and O once, K and V of every key once (flash attention keeps a query block's
    // scores on chip; its blocks share K/V through L2).
    const double bytes = (2 * t * heads * a + 2 * (c + t) * kv_heads * kvb) * hd;
    if (q.new_tokens == 1) dec_flops += flops, dec_bytes += bytes, any_decode = true;
    else pf_flops += flops, pf_bytes += bytes, any_prefill = true;
  }
  double ns = 0;
  if (any_prefill) ns += p.launch_us * 1e3 + std::max(pf_flops / peak, pf_bytes / (bw * p.decode_efficiency)) * 1e9;
  if (any_decode) ns += p.launch_us * 1e3 + std::max(dec_flops / peak, dec_bytes / (bw * p.decode_efficiency)) * 1e9;
  return ns;
}

}  // namespace npulab::gpu
