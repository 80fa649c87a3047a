// Vector-engine elementwise semantics: tensor_tensor, tensor_scalar, tensor_copy, memset.
// Operands are read as dense [partitions][free elements] (see exec.h); elementwise
// operands must agree in partition count and free element count (broadcasting is done
// with stride-0 dims in the access pattern, not by the opcode). Arithmetic is FP32 on
// values decoded exactly from the input dtypes; results are rounded to the destination
// dtype with RNE (numerics/dtype.h). ALU op definitions: sim/semantics/alu.h.
// Inputs are fully read before the destination is written, so in-place ops are safe.
//
// tensor_tensor  dst = a op b.
//   Bitwise ops (bitwise_and/or/xor) run on exact int32 values and need integer dtypes
//   for a, b and dst.
// tensor_scalar  dst = (a op0 s0) op1 s1. s1 = imm1; s0 = imm0, or with F_SCALAR_TENSOR
//   the per-partition value scalar[p] (operand `scalar`, [P,1], same partition count as a).
//   The intermediate (a op0 s0) is FP32 (not rounded to any dtype). If op0 or op1 is
//   bitwise, the whole instruction runs in the exact int32 path: a and dst must be integer
//   dtypes, the scalars are converted with f32_to_i32 (RNE, saturating), and the other op
//   must be bitwise or bypass.
// tensor_copy    dst = src with cast; equal dtypes copy bits unchanged.
// memset         every element of dst = imm0 rounded to dst's dtype (store_from_f32).
// tensor_tensor_scan  per partition, along its flattened free elements in order:
//   r = s0; r = (a[i] op0 r) op1 b[i]; dst[i] = r. s0 = imm0, or with F_SCALAR_TENSOR
//   init[p] ([P,1]). r stays FP32 between elements (each op rounds to FP32, as the ALU
//   does); dst gets r rounded to its dtype. Float ops only.
#include "sim/semantics.h"
#include "sim/semantics/alu.h"
#include "sim/semantics/sem_util.h"

namespace npulab::sim {

using sem::is_int_dtype;

namespace {
// The per-partition scalar s0 of P partitions: operand t[slot] ([P,1]) when slot >= 0, else
// imm0 on every partition.
const float* per_partition_s0(const isa::Instr& in, ExecCtx& ctx, int slot, uint32_t P) {
  float* s0 = sem::fbuf(2, P);
  if (slot < 0) {
    for (uint32_t p = 0; p < P; ++p) s0[p] = in.imm0;
    return s0;
  }
  const auto& s = in.t[size_t(slot)];
  if (s.part_count != P || s.free_elems() != 1)
    fail("{} must be [{} partitions, 1 element], got [{}, {}]", sem::role(in, slot), P, s.part_count,
         s.free_elems());
  gather_f32(ctx, s, s0, Checked::Yes);
  return s0;
}
}  // namespace

void sem_tensor_tensor(const isa::Instr& in, ExecCtx& ctx) {
  sem::check_operands(in, ctx, 3);
  sem::require_same_shape(in, 0, 1);
  sem::require_same_shape(in, 0, 2);
  const auto& dst = in.t[0];
  const size_t n = dst.elems();
  if (alu::is_bitwise(in.alu0)) {
    for (int s = 0; s < 3; ++s)
      if (!is_int_dtype(in.t[s].dtype))
        fail("{}: bitwise op '{}' needs an integer dtype, got {}", sem::role(in, s),
             isa::alu_name(in.alu0), dtype_name(in.t[s].dtype));
    auto* a = sem::scratch<int32_t>(0, n);
    auto* b = sem::scratch<int32_t>(1, n);
    sem::gather_i32(ctx, in.t[1], a);
    sem::gather_i32(ctx, in.t[2], b);
    for (size_t i = 0; i < n; ++i) a[i] = alu::apply_int(in.alu0, a[i], b[i]);
    sem::scatter_i32(ctx, dst, a);
    return;
  }
  float* a = sem::fbuf(0, n);
  float* b = sem::fbuf(1, n);
  gather_f32(ctx, in.t[1], a, Checked::Yes);
  gather_f32(ctx, in.t[2], b, Checked::Yes);
  alu::with_float_op(in.alu0, "tensor_tensor", [&](auto op) {
    for (size_t i = 0; i < n; ++i) a[i] = op(a[i], b[i]);
  });
  scatter_f32(ctx, dst, a, Checked::Yes);
}

void sem_tensor_scalar(const isa::Instr& in, ExecCtx& ctx) {
  const bool scalar_tensor = in.flags & isa::F_SCALAR_TENSOR;
  sem::check_operands(in, ctx, scalar_tensor ? 3 : 2);
  sem::require_same_shape(in, 0, 1);
  const auto& dst = in.t[0];
  const auto& a_ref = in.t[1];
  const uint32_t P = a_ref.part_count;
  const uint64_t F = a_ref.free_elems();
  const size_t n = size_t(P) * F;
  const float* s0 = per_partition_s0(in, ctx, scalar_tensor ? 2 : -1, P);
  if (alu::is_bitwise(in.alu0) || alu::is_bitwise(in.alu1)) {
    for (int s = 0; s < 2; ++s)
      if (!is_int_dtype(in.t[s].dtype))
        fail("{}: bitwise ops need an integer dtype, got {}", sem::role(in, s),
             dtype_name(in.t[s].dtype));
    for (auto op : {in.alu0, in.alu1})
      if (!alu::is_bitwise(op) && op != isa::AluOp::bypass)
        fail("tensor_scalar: bitwise op cannot be combined with '{}' (int32 path)", isa::alu_name(op));
    auto* a = sem::scratch<int32_t>(0, n);
    sem::gather_i32(ctx, a_ref, a);
    const int32_t s1 = f32_to_i32(in.imm1);
    for (uint32_t p = 0; p < P; ++p) {
      const int32_t s0i = f32_to_i32(s0[p]);
      for (uint64_t f = 0; f < F; ++f) {
        int32_t& x = a[p * F + f];
        x = alu::apply_int(in.alu1, alu::apply_int(in.alu0, x, s0i), s1);
      }
    }
    sem::scatter_i32(ctx, dst, a);
    return;
  }
  float* a = sem::fbuf(0, n);
  gather_f32(ctx, a_ref, a, Checked::Yes);
  alu::with_float_op(in.alu0, "tensor_scalar op0", [&](auto op) {
    for (uint32_t p = 0; p < P; ++p) {
      const float s = s0[p];
      float* row = a + size_t(p) * F;
      for (uint64_t f = 0; f < F; ++f) row[f] = op(row[f], s);
    }
  });
  if (in.alu1 != isa::AluOp::bypass) {
    const float s1 = in.imm1;
    alu::with_float_op(in.alu1, "tensor_scalar op1", [&](auto op) {
      for (size_t i = 0; i < n; ++i) a[i] = op(a[i], s1);
    });
  }
  scatter_f32(ctx, dst, a, Checked::Yes);
}

void sem_tensor_tensor_scan(const isa::Instr& in, ExecCtx& ctx) {
  const bool init_tensor = in.flags & isa::F_SCALAR_TENSOR;
  sem::check_operands(in, ctx, init_tensor ? 4 : 3);
  sem::require_same_shape(in, 0, 1);
  sem::require_same_shape(in, 0, 2);
  if (alu::is_bitwise(in.alu0) || alu::is_bitwise(in.alu1))
    fail("tensor_tensor_scan: op0 '{}' / op1 '{}': the scan runs on float values (no bitwise ops)",
         isa::alu_name(in.alu0), isa::alu_name(in.alu1));
  const auto& dst = in.t[0];
  const uint32_t P = dst.part_count;
  const uint64_t F = dst.free_elems();
  const size_t n = size_t(P) * F;
  const float* s0 = per_partition_s0(in, ctx, init_tensor ? 3 : -1, P);
  float* a = sem::fbuf(0, n);
  float* b = sem::fbuf(1, n);
  gather_f32(ctx, in.t[1], a, Checked::Yes);
  gather_f32(ctx, in.t[2], b, Checked::Yes);
  alu::with_float_op(in.alu0, "tensor_tensor_scan op0", [&](auto op0) {
    alu::with_float_op(in.alu1, "tensor_tensor_scan op1", [&](auto op1) {
      for (uint32_t p = 0; p < P; ++p) {
        float r = s0[p];
        float* ap = a + size_t(p) * F;
        const float* bp = b + size_t(p) * F;
        for (uint64_t i = 0; i < F; ++i) ap[i] = r = op1(op0(ap[i], r), bp[i]);
      }
    });
  });
  scatter_f32(ctx, dst, a, Checked::Yes);
}

void sem_tensor_copy(const isa::Instr& in, ExecCtx& ctx) {
  sem::check_operands(in, ctx, 2);
  sem::require_same_shape(in, 0, 1);
  const auto& dst = in.t[0];
  const auto& src = in.t[1];
  sem::copy_cast(ctx, dst, src);
}

void sem_memset(const isa::Instr& in, ExecCtx& ctx) {
  sem::check_operands(in, ctx, 1);
  const auto& dst = in.t[0];
  // Encode the value once in the destination dtype, then replicate its bytes in place.
  uint8_t one[4];
  store_from_f32(dst.dtype, in.imm0, one, 0);
  fill_raw(ctx, dst, one, Checked::Yes);
}

}  // namespace npulab::sim
