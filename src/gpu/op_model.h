// Time of one GPU kernel from its shape, the GPU's description and the calibration's named
// parameters (arch/gpu.h; docs/GPU.md defines each formula). Every time is >= its roofline:
// a GEMM never beats the dense peak or the HBM bandwidth, a memory-bound kernel never beats
// the HBM bandwidth, a collective never beats one direction of NVLink, because each
// efficiency is a fraction in (0, 1] (arch/hw_ranges.cpp) and padding only adds work.
#pragma once
#include <cstdint>
#include <span>

#include "arch/gpu.h"
#include "gpu/layer_shape.h"

namespace npulab::gpu {

struct GpuModel {
  arch::GpuSpec gpu;
  arch::GpuCalibration cal;
};

// C[m x n] = A[m x k] x W[k x n]: W in `weight` dtype (its peak), A and C in `act` dtype.
// Compute: the best output tile (tile_m x tile_n and halves down to 16, as cuBLAS picks
// among its kernels) in waves over the SMs, K split over idle SMs when one wave leaves
// some (split-K); memory: A, W and C once each.
double gemm_ns(const GpuModel& g, int64_t m, int64_t n, int64_t k, DType weight, DType act);
// A row-wise memory-bound kernel of `kind` (Norm, Add, Rope, Act, Embedding).
double memory_kernel_ns(const GpuModel& g, OpKind kind, double bytes, int64_t rows, double row_bytes);
// NCCL all-reduce of `bytes` over `gpus` GPUs of one NVSwitch board (0 for one GPU).
double allreduce_ns(const GpuModel& g, double bytes, int64_t gpus);
// Any op of gpu/layer_shape.h (times its count).
double op_ns(const GpuModel& g, const Op& op, DType weight, DType act);

// Attention of one step on one of `tp` GPUs (heads split over the group), one kernel each
// for the prefill part (flash attention over every prefill sequence's new tokens: causal
// within them, all of the context before) and the decode part (paged attention: one query
// per sequence reading its whole KV cache); each bound by compute or by HBM.
struct AttnSeq {
  int64_t context = 0, new_tokens = 0;
};
double attention_ns(const GpuModel& g, const LayerShape& s, std::span<const AttnSeq> seqs, int64_t tp);

}  // namespace npulab::gpu
