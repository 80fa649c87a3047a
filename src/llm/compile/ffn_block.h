// The feed-forward block of one transformer layer, emitted into a step program:
//   xn = RMSNorm(x) (feature-major xT);  x += SwiGLU(xT) = (silu(x W1) * (x W3)) W2
// Kept apart from the step compiler so that other FFN kinds (mixture-of-experts) plug in
// next to it: the step compiler calls one of them per layer with the same tiles.
#pragma once
#include <cstdint>
#include <vector>

#include "llm/compile/llm_kernels.h"
#include "llm/compile/model_layout.h"

namespace npulab::llm::compile {

// Activation tiles of a step program shared by the blocks of every layer.
struct LayerTiles {
  Tile x;        // residual stream [T, dim] FP32 (token-major)
  Tile xn, xn2;  // RMSNorm scratch [T, <=2048] FP32 (two alternating column slices)
  Tile xT;       // feature-major matmul input [128, ceil(dim/128), T] (matmul dtype)
  Tile h1;       // SwiGLU group [T, G] FP32: G hidden columns per group (2048; 1024 for wide models)
  Tile gT;       // feature-major hidden activations [128, ceil(hidden/128), T] (matmul dtype)
};

// x += FFN(RMSNorm(x)) for layer `layer` (H: the tensors declared by L.declare()).
void emit_dense_ffn(KernelCtx& k, const ModelLayout& L, const std::vector<HbmTensor>& H, int64_t layer,
                    const LayerTiles& t);

// x[:, c0:c0+n] += acc: the residual update used by every output projection.
void add_into_residual(KernelCtx& k, const Tile& x, uint64_t c0, uint32_t n, const Tile& acc);

}  // namespace npulab::llm::compile
