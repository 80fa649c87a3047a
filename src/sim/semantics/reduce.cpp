// Reductions: tensor_reduce (vector engine, along the free axis) and partition_reduce
// (gpsimd, across partitions).
//
// Allowed ops: add, multiply, max, min, abs_max, logical_and, logical_or (alu.h rules:
// max/min/abs_max propagate NaN). The reduction is a left fold in FP32 in index order:
//   acc = x[0]; for i = 1..n-1: acc = op(acc, x[i])
// except that for the idempotent ops (max, min, abs_max, logical_*) the fold starts from
// op(x[0], x[0]), so a single element is normalised too (|x| for abs_max, 0/1 for the
// logical ops, NaN canonical). Sums therefore keep -0 for an all -0 input.
// The FP32 result is rounded to dst's dtype (RNE).
//
// tensor_reduce  src [P, free dims]; without F_REDUCE_ALL the innermost free dim is
//   reduced and dst is [P, product of the outer free dims] (dst[P,1] for 1-D src); with
//   F_REDUCE_ALL all free dims are reduced and dst is [P, 1]. F_NEGATE negates the result
//   (sign flip, after the reduction: -max for a softmax).
// partition_reduce  src [P, F] -> every partition of dst [Q, F] (any Q >= 1) receives
//   the fold over p = 0..P-1 in partition order of src[p][f].
#include "sim/semantics.h"
#include "sim/semantics/alu.h"
#include "sim/semantics/sem_util.h"

namespace npulab::sim {
namespace {

bool reducible(isa::AluOp op) {
  using isa::AluOp;
  return op == AluOp::add || op == AluOp::multiply || op == AluOp::max || op == AluOp::min ||
         op == AluOp::abs_max || op == AluOp::logical_and || op == AluOp::logical_or;
}
bool idempotent(isa::AluOp op) { return op != isa::AluOp::add && op != isa::AluOp::multiply; }

void require_reducible(const isa::Instr& in) {
  if (!reducible(in.alu0))
    fail("{}: op '{}' cannot reduce (use add, multiply, max, min, abs_max, logical_and, "
         "logical_or)", sem::op_name(in), isa::alu_name(in.alu0));
}

}  // namespace

void sem_tensor_reduce(const isa::Instr& in, ExecCtx& ctx) {
  sem::check_operands(in, ctx, 2);
  require_reducible(in);
  const auto& dst = in.t[0];
  const auto& src = in.t[1];
  const uint32_t P = src.part_count;
  const uint64_t F = src.free_elems();
  const uint64_t inner = (in.flags & isa::F_REDUCE_ALL) ? F : src.dims[src.ndim - 1].size;
  const uint64_t outer = F / inner;
  if (dst.part_count != P || dst.free_elems() != outer)
    fail("tensor_reduce: dst must be [{} partitions, {} free] but is [{}, {}]", P, outer,
         dst.part_count, dst.free_elems());
  float* x = sem::fbuf(0, size_t(P) * F);
  float* r = sem::fbuf(1, size_t(P) * outer);
  gather_f32(ctx, src, x, Checked::Yes);
  const bool idem = idempotent(in.alu0), neg = in.flags & isa::F_NEGATE;
  alu::with_float_op(in.alu0, "tensor_reduce", [&](auto op) {
    for (uint64_t g = 0; g < uint64_t(P) * outer; ++g) {
      const float* v = x + g * inner;
      float acc = idem ? op(v[0], v[0]) : v[0];
      for (uint64_t i = 1; i < inner; ++i) acc = op(acc, v[i]);
      r[g] = neg ? -acc : acc;
    }
  });
  scatter_f32(ctx, dst, r, Checked::Yes);
}

void sem_partition_reduce(const isa::Instr& in, ExecCtx& ctx) {
  sem::check_operands(in, ctx, 2);
  require_reducible(in);
  const auto& dst = in.t[0];
  const auto& src = in.t[1];
  const uint32_t P = src.part_count, Q = dst.part_count;
  const uint64_t F = src.free_elems();
  if (dst.free_elems() != F)
    fail("partition_reduce: dst has {} free elements but src has {}", dst.free_elems(), F);
  float* x = sem::fbuf(0, size_t(P) * F);
  float* r = sem::fbuf(1, size_t(Q) * F);
  gather_f32(ctx, src, x, Checked::Yes);
  const bool idem = idempotent(in.alu0);
  alu::with_float_op(in.alu0, "partition_reduce", [&](auto op) {
    for (uint64_t f = 0; f < F; ++f) r[f] = idem ? op(x[f], x[f]) : x[f];
    for (uint32_t p = 1; p < P; ++p) {
      const float* row = x + size_t(p) * F;
      for (uint64_t f = 0; f < F; ++f) r[f] = op(r[f], row[f]);
    }
  });
  for (uint32_t q = 1; q < Q; ++q) std::memcpy(r + size_t(q) * F, r, F * sizeof(float));
  scatter_f32(ctx, dst, r, Checked::Yes);
}

}  // namespace npulab::sim
