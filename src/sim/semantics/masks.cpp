// Index generation and masking: iota, select, affine_select.
// p is the partition index relative to the operand (0 .. part_count-1) and i the
// flattened free index in dense order (0 .. free_elems-1), for every opcode here.
//
// iota           dst[p, i] = iimm0 + p * iimm1 + i * imm0, computed exactly in int64
//   (imm0, the step, must be an integer value; overflow is an error), then cast:
//   integer dst saturates to the dtype's range (I32, I8, U8) exactly; float dst converts
//   int64 -> FP32 with RNE (exact for |v| <= 2^24) and then FP32 -> dst dtype with RNE.
// select         dst = pred != 0 ? on_true : on_false, elementwise, all four operands
//   of the same shape. pred is decoded to FP32 (NaN counts as nonzero -> on_true). The
//   chosen value is moved bit-exactly when its dtype equals dst's, else cast via FP32 (RNE).
// affine_select  dst = (iimm0 + p * iimm1 + i * imm1) <alu0> 0 ? src : imm0
//   with alu0 one of is_equal, not_equal, is_gt, is_ge, is_lt, is_le; the affine value
//   is exact int64 (imm1 must be an integer value). Causal mask: base 0, pmul 1, step -1,
//   is_ge -> keeps i <= p. src values move bit-exactly when src and dst dtypes agree;
//   the fill imm0 is rounded to dst's dtype (RNE).
#include <algorithm>
#include <cmath>
#include <limits>

#include "common/checked.h"
#include "sim/semantics.h"
#include "sim/semantics/sem_util.h"

namespace npulab::sim {
namespace {

int64_t integral_imm(const isa::Instr& in, float v, const char* field) {
  if (!std::isfinite(v) || std::nearbyint(v) != v || std::fabs(v) > 9.0e15f)
    fail("{}: {} must be an integer value, got {}", sem::op_name(in), field, v);
  return int64_t(v);
}

// base + p * pmul + i * step with overflow checks.
struct Affine {
  int64_t base, pmul, step;
  const isa::Instr* in;
  int64_t at(int64_t p, int64_t i) const {
    int64_t a, b, v;
    if (__builtin_mul_overflow(p, pmul, &a) || __builtin_mul_overflow(i, step, &b) ||
        __builtin_add_overflow(base, a, &v) || __builtin_add_overflow(v, b, &v))
      fail("{}: affine index value overflows int64 at p={}, i={}", sem::op_name(*in), p, i);
    return v;
  }
};

i128 floor_div(i128 a, i128 b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

struct IndexRange {
  uint64_t lo = 0, hi = 0;  // [lo, hi)
};
struct MaskedRanges {
  IndexRange r[2];
};

// The indices i in [0, F) where `a0 + i * step <cmp> 0` is false, as two ranges (either
// may be empty). ge/gt/le/lt keep one interval (the value is monotone in i), is_equal keeps
// at most one index, not_equal drops at most one. Exact in 128 bits (no int64 overflow).
MaskedRanges masked_ranges(isa::AluOp cmp, int64_t a0, int64_t step, uint64_t F) {
  using isa::AluOp;
  const i128 n = i128(F);
  auto clamp = [&](i128 x) { return uint64_t(x < 0 ? 0 : x > n ? n : x); };
  auto outside = [&](i128 lo, i128 hi) {  // masked = [0, F) minus kept [lo, hi)
    const uint64_t l = clamp(lo), h = std::max(l, clamp(hi));
    return MaskedRanges{{{0, l}, {h, F}}};
  };
  if (cmp == AluOp::is_equal || cmp == AluOp::not_equal) {
    i128 lo = 0, hi = 0;  // the index where the value is 0, if any
    if (step == 0) {
      if (a0 == 0) hi = n;
    } else if (i128(-i128(a0)) % step == 0) {
      lo = -i128(a0) / step, hi = lo + 1;
    }
    if (cmp == AluOp::is_equal) return outside(lo, hi);
    const uint64_t l = clamp(lo), h = std::max(l, clamp(hi));
    return MaskedRanges{{{l, h}, {F, F}}};
  }
  // keep <=> b + i * t >= 0 (integers: v > 0 <=> v - 1 >= 0, v <= 0 <=> -v >= 0).
  i128 b = a0, t = step;
  if (cmp == AluOp::is_gt) b -= 1;
  if (cmp == AluOp::is_le || cmp == AluOp::is_lt) b = -b, t = -t;
  if (cmp == AluOp::is_lt) b -= 1;
  if (t == 0) return b >= 0 ? outside(0, n) : outside(0, 0);
  if (t > 0) return outside(-floor_div(b, t), n);  // i >= ceil(-b / t)
  return outside(0, floor_div(b, -t) + 1);         // i <= floor(b / -t)
}

}  // namespace

void sem_iota(const isa::Instr& in, ExecCtx& ctx) {
  sem::check_operands(in, ctx, 1);
  const auto& dst = in.t[0];
  const Affine aff{in.iimm0, in.iimm1, integral_imm(in, in.imm0, "step (imm0)"), &in};
  const uint32_t P = dst.part_count;
  const uint64_t F = dst.free_elems();
  if (sem::is_int_dtype(dst.dtype)) {
    int64_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
    if (dst.dtype == DType::I8) lo = -128, hi = 127;
    if (dst.dtype == DType::U8) lo = 0, hi = 255;
    auto* v = sem::scratch<int32_t>(0, size_t(P) * F);
    for (uint32_t p = 0; p < P; ++p)
      for (uint64_t i = 0; i < F; ++i) v[p * F + i] = int32_t(std::clamp(aff.at(p, int64_t(i)), lo, hi));
    sem::scatter_i32(ctx, dst, v);
  } else {
    float* v = sem::fbuf(0, size_t(P) * F);
    for (uint32_t p = 0; p < P; ++p)
      for (uint64_t i = 0; i < F; ++i) v[p * F + i] = float(aff.at(p, int64_t(i)));
    scatter_f32(ctx, dst, v, Checked::Yes);
  }
}

void sem_select(const isa::Instr& in, ExecCtx& ctx) {
  sem::check_operands(in, ctx, 4);
  for (int s = 1; s < 4; ++s) sem::require_same_shape(in, 0, s);
  const auto& dst = in.t[0];
  const size_t n = dst.elems(), esz = dtype_size(dst.dtype);
  float* pred = sem::fbuf(0, n);
  gather_f32(ctx, in.t[1], pred, Checked::Yes);
  auto* t = sem::scratch<uint8_t>(0, n * esz);
  auto* f = sem::scratch<uint8_t>(1, n * esz);
  sem::gather_as(ctx, in.t[2], dst.dtype, t, 1);
  sem::gather_as(ctx, in.t[3], dst.dtype, f, 1);
  for (size_t i = 0; i < n; ++i)
    if (pred[i] == 0.0f) std::memcpy(t + i * esz, f + i * esz, esz);
  scatter_raw(ctx, dst, t, Checked::Yes);
}

void sem_affine_select(const isa::Instr& in, ExecCtx& ctx) {
  sem::check_operands(in, ctx, 2);
  sem::require_same_shape(in, 0, 1);
  using isa::AluOp;
  const AluOp cmp = in.alu0;
  if (cmp != AluOp::is_equal && cmp != AluOp::not_equal && cmp != AluOp::is_gt &&
      cmp != AluOp::is_ge && cmp != AluOp::is_lt && cmp != AluOp::is_le)
    fail("affine_select: cmp must be a comparison (is_equal, not_equal, is_gt, is_ge, is_lt, "
         "is_le), got '{}'", isa::alu_name(cmp));
  const auto& dst = in.t[0];
  const Affine aff{in.iimm0, in.iimm1, integral_imm(in, in.imm1, "step (imm1)"), &in};
  const uint32_t P = dst.part_count;
  const uint64_t F = dst.free_elems();
  const size_t esz = dtype_size(dst.dtype);
  uint8_t fill[4];
  store_from_f32(dst.dtype, in.imm0, fill, 0);
  // In place when dst is src itself in dense rows (the attention masks): only the masked
  // elements are stored, nothing is gathered or scattered.
  const auto& src = in.t[1];
  uint64_t pitch = 0;
  uint8_t* rows = src.space == dst.space && src.dtype == dst.dtype && src.part_start == dst.part_start &&
                          !src.part_bcast &&
                          effective_offset(src, ctx.regs) == effective_offset(dst, ctx.regs) &&
                          src.ndim == dst.ndim && std::equal(src.dims.begin(), src.dims.begin() + src.ndim,
                                                             dst.dims.begin(), [](const isa::Dim& x, const isa::Dim& y) {
                                                               return x.size == y.size && x.stride == y.stride;
                                                             })
                      ? sem::dense_rows(ctx, dst, &pitch)
                      : nullptr;
  uint8_t* v = nullptr;
  if (rows) {
    for (uint32_t p = 0; p < P; ++p) aff.at(p, 0), aff.at(p, int64_t(F) - 1);  // overflow: fail before any store
  } else {
    v = sem::scratch<uint8_t>(0, size_t(P) * F * esz);
    sem::gather_as(ctx, src, dst.dtype, v, 0);
  }
  for (uint32_t p = 0; p < P; ++p) {
    // The value is linear in i: checking both ends of the row for overflow covers every
    // value between them, and its masked elements are at most two index ranges, found in
    // closed form (masked_ranges) and filled with fixed-size stores.
    const int64_t a = aff.at(p, 0);
    aff.at(p, int64_t(F) - 1);
    uint8_t* row = rows ? rows + p * pitch : v + size_t(p) * F * esz;
    for (const IndexRange& m : masked_ranges(cmp, a, aff.step, F).r)
      switch (esz) {
        case 1: std::memset(row + m.lo, fill[0], m.hi - m.lo); break;
        case 2: for (uint64_t i = m.lo; i < m.hi; ++i) std::memcpy(row + 2 * i, fill, 2); break;
        default: for (uint64_t i = m.lo; i < m.hi; ++i) std::memcpy(row + 4 * i, fill, 4); break;
      }
  }
  if (!rows) scatter_raw(ctx, dst, v, Checked::Yes);
}

}  // namespace npulab::sim
