// The Mixtral-style mixture-of-experts feed-forward block of one layer, emitted into a
// step program next to the dense one (ffn_block.h); docs/LLM.md, "Mixture of experts":
//   xn = RMSNorm(x);  router logits = xn Wr;  p = exp(logits - max)  (softmax numerators)
//   top-k of p (max8 + find_index8 on the vector engine); gates = p_topk / sum(p_topk)
//   x += gate * SwiGLU_e(xn) for each routed expert e
// Dispatch per step (T tokens, k experts per token, E experts):
//  - T*k < E (small decode batches): per (token, slot) the chosen expert's weights are
//    fetched by register-relative DMAs (reg_load of the index on each DMA queue), so only
//    the experts in use move; the pass runs all T rows and keeps that token's row (gate
//    column zero elsewhere).
//  - otherwise (prefill, large batches): every expert once over all T tokens, with gate 0
//    for the tokens not routed to it — the weight traffic of real systems at large batch.
#pragma once
#include <cstdint>
#include <vector>

#include "llm/compile/ffn_block.h"

namespace npulab::llm::compile {

// Register of each DMA queue that holds a routed expert's index (the layer loop uses r0).
constexpr uint8_t kExpertRegister = 63;

// x += MoE(RMSNorm(x)) for layer `layer` (H: the tensors declared by L.declare()).
void emit_moe_ffn(KernelCtx& k, const ModelLayout& L, const std::vector<HbmTensor>& H, int64_t layer,
                  const LayerTiles& t);

// True when a step of `tokens` tokens fetches only the routed experts (T*k < E).
bool moe_per_token_dispatch(const ModelConfig& c, int64_t tokens);

}  // namespace npulab::llm::compile
