// Tiled GEMM: C[M, N] = A[M, K] @ B[K, N] on one NeuronCore, any M, N, K (edge tiles),
// inputs FP32 / BF16 / FP16 / FP8 (all the same dtype), output FP32 or BF16.
// Schedule and measured efficiency: docs/KERNELS.md ("GEMM").
#pragma once
#include <cstdint>
#include <string>

#include "kernels/builder.h"

namespace npulab::kernels {

enum class ALayout : uint8_t {
  MK,  // A stored [M, K] row-major: rows are loaded and transposed on chip by the PE
  KM,  // A stored pre-transposed as [K, M] ("A^T"): loaded straight as stationary tiles
};

struct GemmOptions {
  ALayout a_layout = ALayout::MK;
  uint32_t m_tiles = 0;   // 128-row tiles of A per block (stationary panel); 0 = choose
  uint32_t n_tiles = 0;   // 512-col tiles of B per k-step (stationary reuse); 0 = choose
  uint32_t b_buffers = 6; // B tiles in flight (multi-buffering of the moving operand)
};

// What the kernel chose (for reports and tests).
struct GemmPlan {
  uint64_t M = 0, N = 0, K = 0;
  uint32_t m_tiles = 0, n_tiles = 0, k_tiles = 0;
  uint32_t panel_buffers = 0;        // 2 = the next A panel loads while this one computes
  uint64_t sbuf_bytes_per_partition = 0;
  std::string describe() const;
};

// Emit the GEMM. A is [M, K] (MK) or [K, M] (KM); B is [K, N]; C is [M, N].
GemmPlan gemm(Builder& b, const HbmTensor& A, const HbmTensor& B, const HbmTensor& C, const GemmOptions& opt = {});

}  // namespace npulab::kernels
