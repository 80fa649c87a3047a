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
#include "isa/instr.h"

namespace npulab::isa {

__extension__ using i128 = __int128;

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

}  // namespace npulab::isa
