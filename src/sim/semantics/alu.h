// The ALU operations (isa::AluOp) of the vector/gpsimd/scalar engines, as used by
// tensor_tensor, tensor_scalar, tensor_reduce and partition_reduce. All arithmetic is
// IEEE FP32 with RNE on the values decoded from the operand dtypes:
//   bypass(a,b)=a  add a+b  subtract a-b  rsubtract b-a  multiply a*b  divide a/b (IEEE:
//   x/0 = +-inf, 0/0 = NaN)  pow powf(a,b)
//   max/min: NaN-propagating (either input NaN -> canonical quiet NaN); otherwise the
//     larger/smaller, with max(-0,+0) = +0 and min(-0,+0) = -0 (IEEE 754-2019 maximum /
//     minimum). abs_max(a,b) = max(|a|,|b|) with the same NaN rule.
//   is_equal/not_equal/is_gt/is_ge/is_lt/is_le: 1.0f if true else 0.0f; IEEE ordered
//     comparisons, so any comparison with NaN is false except not_equal (true).
//   logical_and/logical_or: (a != 0) && / || (b != 0) -> 1.0f/0.0f (NaN counts as true).
//   bitwise_and/or/xor: defined only on integer dtypes (I32/I8/U8), computed on the exact
//     int32 values (I8 sign-extended, U8 zero-extended), never through FP32; the result is
//     stored with the destination's two's-complement width (I8/U8 keep the low 8 bits).
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#include "common/error.h"
#include "isa/instr.h"
#include "isa/opcode_table.h"

namespace npulab::sim::alu {

using isa::AluOp;

inline bool is_bitwise(AluOp op) {
  return op == AluOp::bitwise_and || op == AluOp::bitwise_or || op == AluOp::bitwise_xor;
}

inline float nan_f() { return std::numeric_limits<float>::quiet_NaN(); }

inline float fmax_prop(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return nan_f();
  if (a > b) return a;
  if (b > a) return b;
  return std::signbit(a) ? b : a;  // equal: prefer +0
}
inline float fmin_prop(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return nan_f();
  if (a < b) return a;
  if (b < a) return b;
  return std::signbit(a) ? a : b;  // equal: prefer -0
}

// One functor type per op, so loops instantiate per op and the switch is outside them.
#define NPULAB_ALU_FN(name, expr)                                  \
  struct name##_fn {                                               \
    float operator()(float a, float b) const { (void)b; return expr; } \
  };
NPULAB_ALU_FN(bypass, a)
NPULAB_ALU_FN(add, a + b)
NPULAB_ALU_FN(subtract, a - b)
NPULAB_ALU_FN(rsubtract, b - a)
NPULAB_ALU_FN(multiply, a * b)
NPULAB_ALU_FN(divide, a / b)
NPULAB_ALU_FN(max, fmax_prop(a, b))
NPULAB_ALU_FN(min, fmin_prop(a, b))
NPULAB_ALU_FN(abs_max, fmax_prop(std::fabs(a), std::fabs(b)))
NPULAB_ALU_FN(pow, ::powf(a, b))
NPULAB_ALU_FN(is_equal, a == b ? 1.0f : 0.0f)
NPULAB_ALU_FN(not_equal, a != b ? 1.0f : 0.0f)
NPULAB_ALU_FN(is_gt, a > b ? 1.0f : 0.0f)
NPULAB_ALU_FN(is_ge, a >= b ? 1.0f : 0.0f)
NPULAB_ALU_FN(is_lt, a < b ? 1.0f : 0.0f)
NPULAB_ALU_FN(is_le, a <= b ? 1.0f : 0.0f)
NPULAB_ALU_FN(logical_and, (a != 0.0f && b != 0.0f) ? 1.0f : 0.0f)
NPULAB_ALU_FN(logical_or, (a != 0.0f || b != 0.0f) ? 1.0f : 0.0f)
#undef NPULAB_ALU_FN

// Calls fn(functor) with the functor of a float ALU op; `what` names the instruction for
// the error thrown on bitwise ops (which have no float form).
template <class Fn>
void with_float_op(AluOp op, const char* what, Fn&& fn) {
  switch (op) {
    case AluOp::bypass: fn(bypass_fn{}); return;
    case AluOp::add: fn(add_fn{}); return;
    case AluOp::subtract: fn(subtract_fn{}); return;
    case AluOp::rsubtract: fn(rsubtract_fn{}); return;
    case AluOp::multiply: fn(multiply_fn{}); return;
    case AluOp::divide: fn(divide_fn{}); return;
    case AluOp::max: fn(max_fn{}); return;
    case AluOp::min: fn(min_fn{}); return;
    case AluOp::abs_max: fn(abs_max_fn{}); return;
    case AluOp::pow: fn(pow_fn{}); return;
    case AluOp::is_equal: fn(is_equal_fn{}); return;
    case AluOp::not_equal: fn(not_equal_fn{}); return;
    case AluOp::is_gt: fn(is_gt_fn{}); return;
    case AluOp::is_ge: fn(is_ge_fn{}); return;
    case AluOp::is_lt: fn(is_lt_fn{}); return;
    case AluOp::is_le: fn(is_le_fn{}); return;
    case AluOp::logical_and: fn(logical_and_fn{}); return;
    case AluOp::logical_or: fn(logical_or_fn{}); return;
    default: break;
  }
  fail("{}: ALU op '{}' is not a floating-point operation (bitwise ops need integer dtypes)",
       what, isa::alu_name(op));
}

inline int32_t apply_int(AluOp op, int32_t a, int32_t b) {
  switch (op) {
    case AluOp::bitwise_and: return a & b;
    case AluOp::bitwise_or: return a | b;
    case AluOp::bitwise_xor: return a ^ b;
    case AluOp::bypass: return a;
    default: fail("integer ALU path supports only bitwise ops and bypass, got '{}'", isa::alu_name(op));
  }
}

}  // namespace npulab::sim::alu
