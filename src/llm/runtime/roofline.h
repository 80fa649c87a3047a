// Lower bounds to print next to simulated times (docs/LLM.md, "Roofline bounds"), for the
// cores a layout uses (one, or the ranks of a tensor-parallel layout):
//  decode: bytes a step must move (every rank's matmul weights once unless resident in
//          SBUF, the embedding rows it uses, the KV cache it attends to, the K/V it appends;
//          a kv head replicated on several ranks is read by each) over HBM bandwidth — of
//          the chip, and of the used cores' DMA engines (which bind first on one core);
//  prefill: matmul FLOPs (projections + causal attention) over the tensor-engine peak of
//          the used cores (and of the whole chip, for reference).
// MoE models count the router and only the experts in use: decode moves at most
// min(E, batch x top-k) experts per layer; prefill FLOPs count each token's top-k experts.
#pragma once
#include <cstdint>

#include "llm/compile/tp_layout.h"

namespace npulab::llm::runtime {

struct DecodeBound {
  double bytes = 0;
  double chip_hbm_ns = 0;   // bytes / chip HBM bandwidth
  double core_dma_ns = 0;   // bytes / (used cores x DMA engines per core x per-engine bandwidth)
  int64_t cores = 1;        // cores used
  double bound_ns() const { return core_dma_ns > chip_hbm_ns ? core_dma_ns : chip_hbm_ns; }
};
// One decode step at `context` cached positions (keys attended = context + 1) for `batch` sequences.
DecodeBound decode_bound(const compile::TpLayout& L, int64_t context, int64_t batch);

struct PrefillBound {
  double flops = 0;
  double core_ns = 0;   // at the used cores' tensor-engine peak for the matmul dtype
  double chip_ns = 0;   // at the whole chip's peak
  int64_t cores = 1;
};
// Prefill of `tokens` tokens starting at an empty cache (logits for the last token only).
PrefillBound prefill_bound(const compile::TpLayout& L, int64_t tokens);

}  // namespace npulab::llm::runtime
