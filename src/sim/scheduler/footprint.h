// Geometry of an operand's access pattern, shared by the scheduler (run-time bounds of
// register-relative operands), the DMA cost model (contiguous chunks) and the race
// detector (which bytes an instruction touches). Works without data storage, so it
// serves timing-only mode too.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "arch/chip.h"
#include "isa/instr.h"

namespace npulab::sim {

// Byte span [lo, hi) relative to the partition (row) base reached by the free dims,
// negative strides included.
struct ByteSpan {
  int64_t lo = 0, hi = 0;
};
ByteSpan free_byte_span(const isa::TensorRef& r);

// Free dims with size-1 dims dropped and memory-contiguous neighbours merged, innermost
// first. `run_elems` is the length of the innermost unit-stride run (1 if the innermost
// dim is strided), i.e. the contiguous chunk a DMA descriptor can move in one piece.
struct NormPattern {
  int n = 0;                 // merged dims
  isa::Dim dims[4];          // innermost first
  uint64_t run_elems = 1;
};
NormPattern normalize_pattern(const isa::TensorRef& r);

// Contiguous chunks (DMA descriptors) of one operand: partitions x runs per partition,
// where HBM rows that directly follow each other merge into one chunk.
uint64_t contiguous_chunks(const isa::TensorRef& r);
uint64_t contiguous_run_bytes(const isa::TensorRef& r);

// Run-time bounds check of an operand at byte offset `eff_offset` against the chip's
// memories (SBUF/PSUM partitions and bytes per partition, HBM capacity). Throws
// npulab::Error with `what` (names the instruction) and the offending range.
void check_operand_bounds(const isa::TensorRef& r, uint64_t eff_offset,
                          const arch::ChipConfig& chip, std::string_view what);

// Effective offset with offset_reg applied; throws on negative/overflowing results.
uint64_t operand_offset(const isa::TensorRef& r, std::span<const int64_t> regs,
                        std::string_view what);

// Calls fn(partition, lo, hi) for every maximal byte interval [lo, hi) touched in each
// partition, merging intervals separated by at most `gap` bytes (gap = 0: byte-exact;
// contiguous runs always cost one call). For SBUF/PSUM lo/hi are byte offsets within the
// partition; for HBM they are absolute addresses and partition = UINT32_MAX.
template <class Fn>
void for_each_interval(const isa::TensorRef& r, uint64_t eff_offset, int64_t gap, Fn&& fn);

}  // namespace npulab::sim

#include "sim/scheduler/footprint_impl.h"
