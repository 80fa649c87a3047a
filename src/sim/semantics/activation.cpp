// activation (scalar engine): dst = f(src * scale + bias), optional free-axis sum.
//
//   x = src decoded to FP32; scale = imm0 (F_SCALE_TENSOR is reserved: error);
//   bias = bias[p] from operand `bias` ([P,1]) unless F_BIAS_IMM is set or the operand is
//   absent, in which case bias = imm1.
//   y = f((x * scale) + bias): the affine part is two separately rounded FP32 operations,
//   a multiply then an add (no fused multiply-add), then f in FP32:
//     identity x          exp   expf(x)         log  logf(x)        tanh tanhf(x)
//     sigmoid  1 / (1 + expf(-x))                relu x > 0 ? x : +0 (NaN stays NaN)
//     gelu     (0.5f * x) * (1 + erff(x * 0.70710678f))                (erf form)
//     gelu_tanh (0.5f * x) * (1 + tanhf(0.7978845608f * (x + 0.044715f * (x * x * x))))
//     silu     x * (1 / (1 + expf(-x)))          rsqrt 1 / sqrtf(x)   sqrt sqrtf(x)
//     reciprocal 1 / x   square x * x   sin sinf(x)   cos cosf(x)   abs fabsf(x)
//     sign     +1 for x > 0, -1 for x < 0, +0 for +-0, NaN for NaN
//   every operation above a separately rounded FP32 op, evaluated left to right as written.
//   dst = y rounded to dst's dtype (RNE).
//   F_ACCUMULATE: accum[p, 0] = FP32 left-fold sum over the free axis of y (before the
//   output rounding), in index order starting from y[p, 0]; rounded to accum's dtype.
//
// The hardware evaluates these functions with piecewise-polynomial approximations valid
// on stated ranges (docs/REFERENCES.md NC §1.4); the simulator instead uses the host's
// libm FP32 functions (glibc). That is a stated, deterministic semantics, not the
// hardware's exact bits: results may differ from the device by a few ulp (more outside
// the hardware's valid ranges, e.g. sin beyond [-pi, pi]).
#include <cmath>

#include "sim/semantics.h"
#include "sim/semantics/sem_util.h"

namespace npulab::sim {
namespace {

using isa::ActFunc;

inline float sigmoid(float x) { return 1.0f / (1.0f + ::expf(-x)); }

template <ActFunc F>
inline float act(float x) {
  if constexpr (F == ActFunc::identity) return x;
  else if constexpr (F == ActFunc::exp) return ::expf(x);
  else if constexpr (F == ActFunc::log) return ::logf(x);
  else if constexpr (F == ActFunc::tanh) return ::tanhf(x);
  else if constexpr (F == ActFunc::sigmoid) return sigmoid(x);
  else if constexpr (F == ActFunc::relu) return x > 0.0f ? x : (std::isnan(x) ? x : 0.0f);
  else if constexpr (F == ActFunc::gelu) return (0.5f * x) * (1.0f + ::erff(x * 0.70710678f));
  else if constexpr (F == ActFunc::gelu_tanh)
    return (0.5f * x) * (1.0f + ::tanhf(0.7978845608f * (x + 0.044715f * (x * x * x))));
  else if constexpr (F == ActFunc::silu) return x * sigmoid(x);
  else if constexpr (F == ActFunc::rsqrt) return 1.0f / ::sqrtf(x);
  else if constexpr (F == ActFunc::sqrt) return ::sqrtf(x);
  else if constexpr (F == ActFunc::reciprocal) return 1.0f / x;
  else if constexpr (F == ActFunc::square) return x * x;
  else if constexpr (F == ActFunc::sin) return ::sinf(x);
  else if constexpr (F == ActFunc::cos) return ::cosf(x);
  else if constexpr (F == ActFunc::abs) return std::fabs(x);
  else if constexpr (F == ActFunc::sign) return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : (std::isnan(x) ? x : 0.0f);
  else static_assert(F == ActFunc::identity, "unhandled activation function");
}

// y[p][f] = act(x[p][f] * scale + bias[p]) for the whole buffer, in place.
template <ActFunc F>
void apply(float* x, uint32_t P, uint64_t Fn, float scale, const float* bias) {
  for (uint32_t p = 0; p < P; ++p) {
    float* row = x + size_t(p) * Fn;
    const float b = bias[p];
    for (uint64_t i = 0; i < Fn; ++i) {
      const float s = row[i] * scale;  // rounded FP32 multiply
      row[i] = act<F>(s + b);          // rounded FP32 add, then f
    }
  }
}

void apply_dispatch(ActFunc f, float* x, uint32_t P, uint64_t Fn, float scale, const float* bias) {
  switch (f) {
#define X(n) case ActFunc::n: apply<ActFunc::n>(x, P, Fn, scale, bias); return;
    NPULAB_ACT_FUNCS(X)
#undef X
    default: break;
  }
  fail("activation: unknown function {}", isa::act_name(f));
}

}  // namespace

void sem_activation(const isa::Instr& in, ExecCtx& ctx) {
  const bool accumulate = in.flags & isa::F_ACCUMULATE;
  if (in.flags & isa::F_SCALE_TENSOR) fail("activation: flag F_SCALE_TENSOR is reserved (not supported)");
  sem::check_operands(in, ctx, 2);
  if (accumulate && !in.t[3].used()) fail("activation: F_ACCUMULATE needs operand 'accum'");
  sem::require_same_shape(in, 0, 1);
  const auto& src = in.t[1];
  const uint32_t P = src.part_count;
  const uint64_t F = src.free_elems();
  float* x = sem::fbuf(0, size_t(P) * F);
  float* bias = sem::fbuf(1, P);
  const bool bias_tensor = !(in.flags & isa::F_BIAS_IMM) && in.t[2].used();
  if (bias_tensor) {
    const auto& b = in.t[2];
    if (b.part_count != P || b.free_elems() != 1)
      fail("activation: operand 'bias' must be [{} partitions, 1 element], got [{}, {}]", P,
           b.part_count, b.free_elems());
    gather_f32(ctx, b, bias, Checked::Yes);
  } else {
    for (uint32_t p = 0; p < P; ++p) bias[p] = in.imm1;
  }
  gather_f32(ctx, src, x, Checked::Yes);
  apply_dispatch(in.act, x, P, F, in.imm0, bias);
  if (accumulate) {
    const auto& acc = in.t[3];
    if (acc.part_count != P || acc.free_elems() != 1)
      fail("activation: operand 'accum' must be [{} partitions, 1 element], got [{}, {}]", P,
           acc.part_count, acc.free_elems());
    float* sums = sem::fbuf(2, P);
    for (uint32_t p = 0; p < P; ++p) {
      const float* row = x + size_t(p) * F;
      float s = row[0];
      for (uint64_t i = 1; i < F; ++i) s += row[i];
      sums[p] = s;
    }
    scatter_f32(ctx, acc, sums, Checked::Yes);
  }
  scatter_f32(ctx, in.t[0], x, Checked::Yes);
}

}  // namespace npulab::sim
