// Lower bounds to print next to simulated times (docs/LLM.md, "Roofline bounds").
//  decode: bytes a step must move (every matmul weight once unless resident in SBUF, the
//          embedding rows it uses, the KV cache it attends to, the K/V it appends) over HBM
//          bandwidth — of the chip, and of one core's DMA engines, which bind first since the
//          program uses one core;
//  prefill: matmul FLOPs (projections + causal attention) over the tensor-engine peak.
// MoE models count the router and only the experts in use: decode moves at most
// min(E, batch x top-k) experts per layer; prefill FLOPs count each token's top-k experts.
#pragma once
#include <cstdint>

#include "llm/compile/model_layout.h"

namespace npulab::llm::runtime {

struct DecodeBound {
  double bytes = 0;
  double chip_hbm_ns = 0;   // bytes / chip HBM bandwidth
  double core_dma_ns = 0;   // bytes / (DMA engines per core x per-engine bandwidth)
  double bound_ns() const { return core_dma_ns > chip_hbm_ns ? core_dma_ns : chip_hbm_ns; }
};
// One decode step at `context` cached positions (keys attended = context + 1) for `batch` sequences.
DecodeBound decode_bound(const compile::ModelLayout& L, int64_t context, int64_t batch);

struct PrefillBound {
  double flops = 0;
  double core_ns = 0;   // at one core's tensor-engine peak for the matmul dtype
  double chip_ns = 0;   // at the whole chip's peak
};
// Prefill of `tokens` tokens starting at an empty cache (logits for the last token only).
PrefillBound prefill_bound(const compile::ModelLayout& L, int64_t tokens);

}  // namespace npulab::llm::runtime
