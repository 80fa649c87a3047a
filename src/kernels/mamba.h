// The Mamba (S6) selective scan of the NKI fused-Mamba tutorial (aws-neuron-sdk
// general/nki/tutorials/fused_mamba.rst; docs/KERNELS.md, "Mamba"), on one NeuronCore:
//
//   out[b, c, t] = sum over states s of  C[b, s, t] * h_s[b, c, t],
//   h_s[b, c, t] = exp(delta[b, c, t] * A[c, s]) * h_s[b, c, t-1] + delta[b, c, t] * u[b, c, t] * B[b, s, t]
//
// with channels on the partitions (128 per tile), the time steps on the free axis, and the
// recurrence as one tensor_tensor_scan per (channel tile, state). The tutorial's three
// schedules, which its measurements compare:
//   v1  for each state, for each channel tile: load delta, u, A, B, C; accumulate per tile
//   v2  for each channel tile: load delta and u once; for each state: the same work, with
//       delta * u formed once per tile: the tutorial's source recomputes it per state, but
//       its measured VectorE time is 26% below v1's at the same shape, about the share of
//       that op, so the compiler hoists the loop-invariant product and so does this kernel
//   v3  v2 with the time axis in chunks of 512, each chunk's scan starting from the last
//       column of the previous one (bounded SBUF for long sequences)
// Per (tile, state, chunk): exp(delta * A) on the scalar engine (a multiply by A's
// per-partition column, then exp: NKI fuses the two into one activation with a tensor
// scale, which this ISA reserves), delta * u, x B, the scan, x C and the accumulation on
// the vector engine. B and C rows reach all 128 partitions by a partition-broadcast DMA.
// Tensors are FP32 and 2-D: delta, u, out [batch * channels, seq]; A [channels, state];
// B, C [batch * state, seq].
#pragma once
#include <cstdint>
#include <string>

#include "kernels/builder.h"

namespace npulab::kernels {

enum class MambaSchedule { V1, V2, V3 };
MambaSchedule parse_mamba_schedule(const std::string& s);  // "v1" | "v2" | "v3"

struct MambaShape {
  uint64_t batch = 1, channels = 256, seq = 512, state = 16;
};

// Checks the shape (channels a multiple of 128; v3: seq a multiple of 512) and emits the
// kernel; throws npulab::Error naming the dimension or "SBUF" when the schedule's tiles do
// not fit (v1/v2 keep whole [128, seq] rows; the tutorial's compiler spills there).
void mamba(Builder& b, const HbmTensor& delta, const HbmTensor& u, const HbmTensor& A, const HbmTensor& B,
           const HbmTensor& C, const HbmTensor& out, const MambaShape& shape, MambaSchedule schedule);

}  // namespace npulab::kernels
