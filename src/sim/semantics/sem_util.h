// Shared helpers of the data-opcode semantics (sim/semantics/*.cpp): operand checks that
// name the opcode and role, reusable per-thread scratch buffers (no allocation per
// instruction once warm), and shape requirements. The data helpers access operands that
// check_operands has already checked (every semantics function calls it first), so they
// pass Checked::Yes to the exec.h accessors.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "isa/opcode_table.h"
#include "sim/exec.h"

namespace npulab::sim::sem {

// Per-thread scratch buffers, indexed by slot so one instruction can hold several.
template <class T>
T* scratch(int slot, size_t n) {
  thread_local std::vector<T> bufs[6];
  auto& b = bufs[slot];
  if (b.size() < n) b.resize(n);
  return b.data();
}
inline float* fbuf(int slot, size_t n) { return scratch<float>(slot, n); }

// dst <- src element by element: bit-exact when the dtypes match, else via FP32 with RNE.
// Shared by dma_copy and tensor_copy, whose data semantics are the same copy-with-cast.
inline void copy_cast(ExecCtx& ctx, const isa::TensorRef& dst, const isa::TensorRef& src) {
  if (dst.dtype == src.dtype) {
    copy_raw(ctx, dst, src, Checked::Yes);
  } else {
    float* buf = fbuf(0, src.elems());
    gather_f32(ctx, src, buf, Checked::Yes);
    scatter_f32(ctx, dst, buf, Checked::Yes);
  }
}

inline std::string_view op_name(const isa::Instr& in) { return isa::op_info(in.op).name; }

// "matmul operand 'moving'" for error messages.
inline std::string role(const isa::Instr& in, int slot) {
  const auto& info = isa::op_info(in.op);
  return fmt::format("{} operand '{}'", info.name, info.operands[slot].name);
}

// Bounds-check every operand slot the opcode declares (and require the ones it needs).
inline void check_operands(const isa::Instr& in, const ExecCtx& ctx, int required) {
  const auto& info = isa::op_info(in.op);
  for (int s = 0; s < info.num_operands; ++s) {
    if (!in.t[s].used()) {
      if (s < required) fail("{}: missing (required)", role(in, s));
      continue;
    }
    // The role name is formatted only on failure: this runs for every instruction.
    try {
      check_operand(ctx, in.t[s], "");
    } catch (const Error& e) {
      fail("{}{}", role(in, s), e.what());
    }
  }
}

// Operands that are combined element by element must agree in partitions and free size.
inline void require_same_shape(const isa::Instr& in, int a, int b) {
  const auto& x = in.t[a];
  const auto& y = in.t[b];
  if (x.part_count != y.part_count || x.free_elems() != y.free_elems())
    fail("{}: shape [{} partitions, {} free elements] does not match {} [{}, {}]", role(in, a),
         x.part_count, x.free_elems(), role(in, b), y.part_count, y.free_elems());
}

inline bool is_int_dtype(DType t) { return t == DType::I32 || t == DType::I8 || t == DType::U8; }

// Exact integer access for integer dtypes (no FP32 on the way): I8 sign-extends, U8
// zero-extends; stores keep the destination width's low bits (two's complement).
inline void gather_i32(const ExecCtx& ctx, const isa::TensorRef& r, int32_t* out) {
  const size_t n = r.elems();
  auto* raw = scratch<uint8_t>(5, n * 4);
  gather_raw(ctx, r, raw, Checked::Yes);
  switch (r.dtype) {
    case DType::I32: std::memcpy(out, raw, n * 4); break;
    case DType::I8: for (size_t i = 0; i < n; ++i) out[i] = int8_t(raw[i]); break;
    case DType::U8: for (size_t i = 0; i < n; ++i) out[i] = raw[i]; break;
    default: fail("integer access to a {} operand", dtype_name(r.dtype));
  }
}
inline void scatter_i32(const ExecCtx& ctx, const isa::TensorRef& r, const int32_t* in) {
  const size_t n = r.elems();
  auto* raw = scratch<uint8_t>(5, n * 4);
  switch (r.dtype) {
    case DType::I32: std::memcpy(raw, in, n * 4); break;
    case DType::I8:
    case DType::U8: for (size_t i = 0; i < n; ++i) raw[i] = uint8_t(in[i]); break;
    default: fail("integer access to a {} operand", dtype_name(r.dtype));
  }
  scatter_raw(ctx, r, raw, Checked::Yes);
}

// For an SBUF/PSUM operand whose free dims are dense row-major (innermost stride 1, each
// outer stride = size * inner extent), the address of element 0 of its first partition;
// partition p's elements start p * row_bytes (the scratchpad's host pitch) later. nullptr otherwise (HBM,
// strided, partition-broadcast: its lanes share one row, which the hot paths do not expect). Call after check_operand. Lets hot paths work in place without gather/scatter.
inline uint8_t* dense_rows(const ExecCtx& ctx, const isa::TensorRef& r, uint64_t* row_bytes) {
  Scratchpad* sp = r.space == isa::Space::Sbuf ? ctx.mem.sbuf : r.space == isa::Space::Psum ? ctx.mem.psum : nullptr;
  if (!sp || r.part_bcast) return nullptr;
  int64_t expect = 1;
  for (int k = r.ndim - 1; k >= 0; --k) {
    if (r.dims[k].size != 1 && r.dims[k].stride != expect) return nullptr;
    expect *= r.dims[k].size;
  }
  *row_bytes = sp->pitch();
  return sp->data_row(r.part_start) + effective_offset(r, ctx.regs);
}

// Read an operand as raw elements of dtype `target`: a raw copy when the dtypes agree
// (bit-exact), else decoded to FP32 and rounded to `target` (RNE). out: elems * size(target).
inline void gather_as(const ExecCtx& ctx, const isa::TensorRef& r, DType target, uint8_t* out,
                      int float_slot) {
  if (r.dtype == target) {
    gather_raw(ctx, r, out, Checked::Yes);
    return;
  }
  float* tmp = scratch<float>(float_slot, r.elems());
  gather_f32(ctx, r, tmp, Checked::Yes);
  convert_from_f32(target, tmp, out, r.elems());
}

}  // namespace npulab::sim::sem
