// Tensor-engine (PE) semantics: matmul and transpose.
//
// matmul  dst[M, N] (PSUM, must be F32) (=|+=) stationary[K, M]^T @ moving[K, N]
//   stationary: K partitions x M free elements; moving: K partitions x N free elements;
//   dst: M partitions x N free elements. Inputs are decoded from their dtypes to FP32
//   exactly (BF16/FP16/FP8 -> FP32 is exact), then for every (m, n):
//     acc = +0; for k = 0..K-1 in increasing order: acc = fma(S[k][m], Mv[k][n], acc)
//     dst[m][n] = F_START ? acc : dst[m][n] + acc          (one FP32 add, RNE)
//   and a NaN result is stored as the canonical quiet NaN 0x7FC00000. PSUM that was never
//   written holds NaN (0xFF bytes), so accumulating onto it without F_START shows up as
//   NaN. The host kernel (sim/kernels_host/matmul_f32.h) computes exactly this order.
//   (The hardware's internal FP32 multi-pass and reduction tree are not modelled; this is
//   a stated, deterministic semantics with FP32 accumulation.)
//
// transpose  dst[F, P] = src[P, F]^T
//   dst has src.free_elems partitions and src.part_count free elements (dense order).
//   Same dtype: bits are moved unchanged. Different dtypes (e.g. BF16 src into an F32
//   PSUM dst): decode exactly to FP32, round to dst's dtype (RNE).
#include <cstring>

#include "sim/kernels_host/matmul_f32.h"
#include "sim/semantics.h"
#include "sim/semantics/sem_util.h"

namespace npulab::sim {
namespace {

// A matmul input as the host kernel reads it: in place when the tile is F32 or BF16 with
// dense rows in SBUF/PSUM (row k = partition k) and cannot overlap dst (the kernel writes
// dst while it still reads its inputs), else decoded into scratch slot `slot`.
host::MatView operand_view(const ExecCtx& ctx, const isa::TensorRef& r, const isa::TensorRef& dst,
                           int slot) {
  uint64_t row_bytes = 0;
  if ((r.dtype == DType::F32 || r.dtype == DType::BF16) && !may_overlap(ctx, r, dst)) {
    const uint64_t esz = dtype_size(r.dtype);
    if (const uint8_t* base = sem::dense_rows(ctx, r, &row_bytes);
        base && row_bytes % esz == 0 && reinterpret_cast<uintptr_t>(base) % esz == 0)
      return {base, row_bytes / esz, r.dtype == DType::F32 ? host::MatElem::F32 : host::MatElem::BF16};
  }
  float* buf = sem::fbuf(slot, r.elems());
  gather_f32(ctx, r, buf, Checked::Yes);
  return {buf, r.free_elems(), host::MatElem::F32};
}

// b[f][p] = a[p][f] for a dense [P][F] array of ESZ-byte elements.
template <size_t ESZ>
void transpose_elems(const uint8_t* a, uint8_t* b, uint64_t P, uint64_t F) {
  for (uint64_t p = 0; p < P; ++p)
    for (uint64_t f = 0; f < F; ++f) std::memcpy(b + (f * P + p) * ESZ, a + (p * F + f) * ESZ, ESZ);
}

// The same between scratchpad rows in place: element f of source row p (rows `sp` bytes
// apart) to element p of destination row f (`dp` apart), no dense copies on either side.
template <size_t ESZ>
void transpose_rows(const uint8_t* a, uint64_t sp, uint8_t* b, uint64_t dp, uint64_t P, uint64_t F) {
  for (uint64_t p = 0; p < P; ++p, a += sp)
    for (uint64_t f = 0; f < F; ++f) std::memcpy(b + f * dp + p * ESZ, a + f * ESZ, ESZ);
}

// Same-dtype transpose straight between dense SBUF/PSUM rows that cannot overlap (the
// usual case: an SBUF tile into PSUM); false when the operands need the general path.
bool transpose_in_place(const ExecCtx& ctx, const isa::TensorRef& dst, const isa::TensorRef& src, uint64_t P,
                        uint64_t F) {
  uint64_t sp = 0, dp = 0;
  const uint8_t* a = sem::dense_rows(ctx, src, &sp);
  uint8_t* b = a ? sem::dense_rows(ctx, dst, &dp) : nullptr;
  if (!b || may_overlap(ctx, dst, src)) return false;
  switch (dtype_size(src.dtype)) {
    case 1: transpose_rows<1>(a, sp, b, dp, P, F); break;
    case 2: transpose_rows<2>(a, sp, b, dp, P, F); break;
    default: transpose_rows<4>(a, sp, b, dp, P, F); break;
  }
  return true;
}

}  // namespace

void sem_matmul(const isa::Instr& in, ExecCtx& ctx) {
  sem::check_operands(in, ctx, 3);
  const auto& dst = in.t[0];
  const auto& st = in.t[1];
  const auto& mv = in.t[2];
  const uint32_t K = st.part_count;
  const uint64_t M = st.free_elems(), N = mv.free_elems();
  if (mv.part_count != K)
    fail("matmul: stationary has {} partitions (K) but moving has {}", K, mv.part_count);
  if (dst.part_count != M || dst.free_elems() != N)
    fail("matmul: dst must be [M={} partitions, N={} free] but is [{}, {}]", M, N, dst.part_count,
         dst.free_elems());
  if (dst.dtype != DType::F32)
    fail("matmul: dst (PSUM accumulator) must be f32, got {}", dtype_name(dst.dtype));
  const host::MatView S = operand_view(ctx, st, dst, 0), B = operand_view(ctx, mv, dst, 1);
  const bool start = in.flags & isa::F_START;
  // PSUM tiles are normally dense rows: accumulate in place (no gather/scatter copies).
  uint64_t row_bytes = 0;
  if (uint8_t* base = sem::dense_rows(ctx, dst, &row_bytes); base && row_bytes % 4 == 0 &&
                                                            reinterpret_cast<uintptr_t>(base) % 4 == 0) {
    host::matmul(S, B, reinterpret_cast<float*>(base), row_bytes / 4, int(M), int(N), int(K), !start,
                 host::MatmulImpl::Auto, ctx.helper);
    return;
  }
  float* C = sem::fbuf(2, M * N);
  if (!start) gather_f32(ctx, dst, C, Checked::Yes);
  host::matmul(S, B, C, N, int(M), int(N), int(K), !start, host::MatmulImpl::Auto, ctx.helper);
  scatter_f32(ctx, dst, C, Checked::Yes);
}

void sem_transpose(const isa::Instr& in, ExecCtx& ctx) {
  sem::check_operands(in, ctx, 2);
  const auto& dst = in.t[0];
  const auto& src = in.t[1];
  const uint64_t P = src.part_count, F = src.free_elems();
  if (dst.part_count != F || dst.free_elems() != P)
    fail("transpose: dst must be [{} partitions, {} free] (src transposed) but is [{}, {}]", F, P,
         dst.part_count, dst.free_elems());
  if (dst.dtype == src.dtype) {
    if (transpose_in_place(ctx, dst, src, P, F)) return;
    const size_t esz = dtype_size(src.dtype);
    auto* a = sem::scratch<uint8_t>(0, P * F * esz);
    auto* b = sem::scratch<uint8_t>(1, P * F * esz);
    gather_raw(ctx, src, a, Checked::Yes);
    switch (esz) {  // fixed-size element copies (a runtime-size memcpy per element is a call)
      case 1: transpose_elems<1>(a, b, P, F); break;
      case 2: transpose_elems<2>(a, b, P, F); break;
      default: transpose_elems<4>(a, b, P, F); break;
    }
    scatter_raw(ctx, dst, b, Checked::Yes);
  } else {
    float* a = sem::fbuf(0, P * F);
    float* b = sem::fbuf(1, P * F);
    gather_f32(ctx, src, a, Checked::Yes);
    for (uint64_t p = 0; p < P; ++p)
      for (uint64_t f = 0; f < F; ++f) b[f * P + p] = a[p * F + f];
    scatter_f32(ctx, dst, b, Checked::Yes);
  }
}

}  // namespace npulab::sim
