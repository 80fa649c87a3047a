// Arithmetic of an operand's access pattern (isa::TensorRef) that validation, the
// simulator's scheduler, cost model, race detector and semantics, and the kernel builder's
// dependency tracker all need: the bytes it reaches, its contiguous runs, its offset with a
// register applied, its bounds against a chip's memories. It sits in the isa layer, below
// all of them, so each computes these facts the same way. Needs no data storage (serves
// timing-only mode too).
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "arch/chip.h"
#include "common/checked.h"
#include "isa/instr.h"

namespace npulab::isa {

// Byte span [lo, hi) relative to an operand's offset, negative strides included, in 128-bit
// integers: exact for any field values, so hostile programs cannot overflow it silently.
struct ByteSpan {
  i128 lo = 0, hi = 0;
};

// The bytes the free dims reach in one partition (row), relative to its base.
inline ByteSpan free_byte_span(const TensorRef& r) {
  const i128 esz = i128(dtype_size(r.dtype));
  ByteSpan s;
  for (int k = 0; k < r.ndim; ++k) {
    // |(size - 1) * stride| < 2^32 * 2^31: exact in 64 bits; the sum and the element size not.
    const int64_t ext = int64_t(r.dims[k].size ? r.dims[k].size - 1 : 0) * r.dims[k].stride;
    (ext < 0 ? s.lo : s.hi) += i128(ext) * esz;
  }
  s.hi += esz;
  return s;
}

// The bytes of the whole operand relative to its offset: the free span, and for HBM the
// rows part_stride elements apart (SBUF/PSUM partitions are separate memories).
inline ByteSpan operand_byte_span(const TensorRef& r) {
  ByteSpan s = free_byte_span(r);
  if (r.space == Space::Hbm && r.part_count > 1) {
    const i128 rows = i128(r.part_count - 1) * r.part_stride * i128(dtype_size(r.dtype));
    (rows < 0 ? s.lo : s.hi) += rows;
  }
  return s;
}

// Free dims with size-1 dims dropped and memory-contiguous neighbours merged, innermost
// first. `run_elems` is the length of the innermost unit-stride run (1 if the innermost
// dim is strided), i.e. the contiguous chunk a DMA descriptor can move in one piece.
struct NormPattern {
  int n = 0;                 // merged dims
  Dim dims[4];          // innermost first
  uint64_t run_elems = 1;
};
NormPattern normalize_pattern(const TensorRef& r);

// Contiguous chunks (DMA descriptors) of one operand: partitions x runs per partition,
// where HBM rows that directly follow each other merge into one chunk.
uint64_t contiguous_chunks(const TensorRef& r);
uint64_t contiguous_run_bytes(const TensorRef& r);

// Run-time bounds check of an operand at byte offset `eff_offset` against the chip's
// memories (SBUF/PSUM partitions and bytes per partition, HBM capacity). Throws
// npulab::Error with `what` (names the instruction) and the offending range.
void check_operand_bounds(const TensorRef& r, uint64_t eff_offset,
                          const arch::ChipConfig& chip, std::string_view what);

// Effective offset with offset_reg applied; throws on negative/overflowing results.
uint64_t operand_offset(const TensorRef& r, std::span<const int64_t> regs,
                        std::string_view what);

// Calls fn(partition, lo, hi) for every maximal byte interval [lo, hi) touched in each
// partition (the one partition of a partition-broadcast view), merging intervals separated by at most `gap` bytes (gap = 0: byte-exact;
// contiguous runs always cost one call). For SBUF/PSUM lo/hi are byte offsets within the
// partition; for HBM they are absolute addresses and partition = UINT32_MAX.
template <class Fn>
void for_each_interval(const TensorRef& r, uint64_t eff_offset, int64_t gap, Fn&& fn);

}  // namespace npulab::isa

#include "isa/access_pattern_impl.h"
