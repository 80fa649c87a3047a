// shuffle (gpsimd): dst[p, :] = src[idx[p], :] for p = 0 .. dst.part_count-1.
//   idx is an I32 operand [Q, 1] with Q = dst.part_count; each index is relative to the
//   src operand (0 .. src.part_count-1) and an index outside that range is an error that
//   names the partition and the value. dst and src have the same free size. Rows move
//   bit-exactly when dtypes agree, else cast via FP32 (RNE). (The hardware restricts
//   shuffles to 32-partition groups; the simulator allows any permutation/gather.)
#include "sim/semantics.h"
#include "sim/semantics/sem_util.h"

namespace npulab::sim {

void sem_shuffle(const isa::Instr& in, ExecCtx& ctx) {
  sem::check_operands(in, ctx, 3);
  const auto& dst = in.t[0];
  const auto& src = in.t[1];
  const auto& idx_ref = in.t[2];
  const uint32_t Q = dst.part_count, P = src.part_count;
  const uint64_t F = src.free_elems();
  if (dst.free_elems() != F)
    fail("shuffle: dst has {} free elements but src has {}", dst.free_elems(), F);
  if (idx_ref.dtype != DType::I32 || idx_ref.part_count != Q || idx_ref.free_elems() != 1)
    fail("shuffle: idx must be i32 [{} partitions, 1], got {} [{}, {}]", Q,
         dtype_name(idx_ref.dtype), idx_ref.part_count, idx_ref.free_elems());
  auto* idx = sem::scratch<int32_t>(0, Q);
  sem::gather_i32(ctx, idx_ref, idx);
  const size_t row = F * dtype_size(dst.dtype);
  auto* s = sem::scratch<uint8_t>(0, size_t(P) * row);
  auto* d = sem::scratch<uint8_t>(1, size_t(Q) * row);
  sem::gather_as(ctx, src, dst.dtype, s, 0);
  for (uint32_t q = 0; q < Q; ++q) {
    if (idx[q] < 0 || uint32_t(idx[q]) >= P)
      fail("shuffle: idx[{}] = {} is outside src partitions [0, {})", q, idx[q], P);
    std::memcpy(d + q * row, s + size_t(idx[q]) * row, row);
  }
  scatter_raw(ctx, dst, d, Checked::Yes);
}

}  // namespace npulab::sim
