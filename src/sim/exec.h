// What an instruction's semantics function sees: the memories of its core and chip,
// the issuing stream's registers, and helpers to resolve access patterns into
// per-partition element addresses. Semantics functions (sim/semantics/*.cpp) are pure
// functions of (instruction, state) -> state; the scheduler decides *when* they run.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "arch/chip.h"
#include "isa/instr.h"
#include "sim/memory.h"

namespace npulab::sim {

namespace host {
class HelperThread;  // sim/kernels_host/helper_thread.h
}

struct CoreMemories {
  Scratchpad* sbuf = nullptr;
  Scratchpad* psum = nullptr;
  Hbm* hbm = nullptr;
};

// A resolved access pattern: register offsets applied, bounds checked.
// For SBUF/PSUM, partition p's data starts at base(p); for HBM, "partition" rows are
// resolved through the Hbm pages (use gather/scatter helpers below).
struct ResolvedRef {
  const isa::TensorRef* ref = nullptr;
  uint64_t offset = 0;  // byte offset after register adjustment
};

struct ExecCtx {
  const arch::ChipConfig* chip = nullptr;
  CoreMemories mem;
  std::span<const int64_t> regs;  // registers of the issuing stream
  uint32_t core = 0;
  uint32_t stream = 0;
  // Writable view of the same registers, for the ops whose row has T_WRITES_REG0 (reg_set,
  // reg_add, reg_load); set by the scheduler. Null = this context cannot write registers.
  int64_t* regs_out = nullptr;
  // The chip's helper thread for large host kernels (matmul); null = run them on one thread.
  host::HelperThread* helper = nullptr;
  // The stream's program counter, for control ops: when their semantics run it already
  // points at the next instruction; a branch sets it to its target (0..stream_size, the
  // end = stop). Null outside the scheduler.
  uint32_t* pc = nullptr;
  uint32_t stream_size = 0;
};

// Effective byte offset of an operand (applies offset_reg; register-relative operands take
// the checked out-of-line path, static ones are their offset).
uint64_t register_offset(const isa::TensorRef& r, std::span<const int64_t> regs);
inline uint64_t effective_offset(const isa::TensorRef& r, std::span<const int64_t> regs) {
  return r.offset_reg < 0 ? r.offset : register_offset(r, regs);
}

// Check an operand against its memory before any data moves: partitions, the byte range
// reachable by its free dims (negative strides included), HBM rows via part_stride, with
// offset_reg applied. Throws npulab::Error naming `operand` and the offending range.
// gather_* / scatter_* check again (cheap), so semantics call this first only to get the
// operand's role name into the message.
void check_operand(const ExecCtx& ctx, const isa::TensorRef& r, std::string_view operand);

// Whether the caller already passed the operand through check_operand for this
// instruction (the semantics check every operand first, sem::check_operands); then the
// accessors below skip their own check, which is a per-instruction cost for small tiles.
enum class Checked : bool { No, Yes };

// Read an operand into a dense FP32 buffer [part_count][free_elems] (row-major over the
// free dims, innermost fastest), converting from its dtype.
void gather_f32(const ExecCtx& ctx, const isa::TensorRef& r, float* out, Checked c = Checked::No);
// Write a dense FP32 buffer [part_count][free_elems] to an operand, converting (RNE).
void scatter_f32(const ExecCtx& ctx, const isa::TensorRef& r, const float* in, Checked c = Checked::No);
// Raw byte copies (no conversion) of an operand to/from a dense buffer.
void gather_raw(const ExecCtx& ctx, const isa::TensorRef& r, uint8_t* out, Checked c = Checked::No);
void scatter_raw(const ExecCtx& ctx, const isa::TensorRef& r, const uint8_t* in, Checked c = Checked::No);
// Every element of the operand <- the `dtype_size` bytes at elem (memset's store).
void fill_raw(const ExecCtx& ctx, const isa::TensorRef& r, const uint8_t* elem, Checked c = Checked::No);
// Whether two operands can share a byte (same memory, overlapping partitions and byte
// hulls; conservative for interleaved patterns). Call after check_operand.
bool may_overlap(const ExecCtx& ctx, const isa::TensorRef& a, const isa::TensorRef& b);
// dst <- src bit for bit (same dtype, same element count, dense order), the result of
// gather_raw(src) then scatter_raw(dst) but without the intermediate buffer when the
// operands cannot overlap: contiguous pieces are copied straight between the memories.
void copy_raw(const ExecCtx& ctx, const isa::TensorRef& dst, const isa::TensorRef& src,
              Checked c = Checked::No);

}  // namespace npulab::sim
