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
  auto* v = sem::scratch<uint8_t>(0, size_t(P) * F * esz);
  sem::gather_as(ctx, in.t[1], dst.dtype, v, 0);
  uint8_t fill[4];
  store_from_f32(dst.dtype, in.imm0, fill, 0);
  for (uint32_t p = 0; p < P; ++p) {
    // The value is linear in i: checking both ends of the row for overflow covers every
    // value between them, so the row walks it by adding the step (no per-element checks).
    int64_t a = aff.at(p, 0);
    aff.at(p, int64_t(F) - 1);
    uint8_t* row = v + size_t(p) * F * esz;
    for (uint64_t i = 0; i < F; a += (++i < F ? aff.step : 0)) {  // never past the row's end
      bool keep = false;
      switch (cmp) {
        case AluOp::is_equal: keep = a == 0; break;
        case AluOp::not_equal: keep = a != 0; break;
        case AluOp::is_gt: keep = a > 0; break;
        case AluOp::is_ge: keep = a >= 0; break;
        case AluOp::is_lt: keep = a < 0; break;
        default: keep = a <= 0; break;
      }
      if (keep) continue;
      switch (esz) {  // fixed-size stores (a runtime-size memcpy per element is a call)
        case 1: row[i] = fill[0]; break;
        case 2: std::memcpy(row + 2 * i, fill, 2); break;
        default: std::memcpy(row + 4 * i, fill, 4); break;
      }
    }
  }
  scatter_raw(ctx, dst, v, Checked::Yes);
}

}  // namespace npulab::sim
