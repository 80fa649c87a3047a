// Access-pattern arithmetic (see access_pattern.h). 128-bit intermediates keep offset +
// reg * scale and range ends from overflowing silently on hostile programs.
#include "isa/access_pattern.h"

#include <algorithm>

#include "common/error.h"

namespace npulab::isa {

NormPattern normalize_pattern(const TensorRef& r) {
  NormPattern np;
  // Walk from the innermost dim outwards, dropping size-1 dims and merging a dim into the
  // previous (inner) one when it continues it exactly in memory.
  for (int k = r.ndim - 1; k >= 0; --k) {
    const Dim d = r.dims[k];
    if (d.size == 1) continue;
    if (np.n > 0 && int64_t(d.stride) == int64_t(np.dims[np.n - 1].stride) * np.dims[np.n - 1].size) {
      np.dims[np.n - 1].size *= d.size;
    } else {
      np.dims[np.n++] = d;
    }
  }
  if (np.n == 0)
    np.run_elems = 1;
  else
    np.run_elems = np.dims[0].stride == 1 ? np.dims[0].size : 1;
  return np;
}

uint64_t contiguous_run_bytes(const TensorRef& r) {
  const NormPattern np = normalize_pattern(r);
  const uint64_t esz = dtype_size(r.dtype);
  uint64_t run = np.run_elems * esz;
  // HBM rows that follow each other directly (a dense row-major block) form one run.
  if (r.space == Space::Hbm && np.n <= 1 && np.run_elems == r.free_elems() &&
      uint64_t(r.part_stride) * esz == run)
    run *= r.part_count;
  return run;
}

uint64_t contiguous_chunks(const TensorRef& r) {
  const uint64_t run = contiguous_run_bytes(r);
  return run ? (r.bytes() + run - 1) / run : 0;
}

uint64_t operand_offset(const TensorRef& r, std::span<const int64_t> regs,
                        std::string_view what) {
  if (r.offset_reg < 0) return r.offset;
  if (size_t(r.offset_reg) >= regs.size())
    fail("{}: offset register r{} does not exist ({} registers per engine)", what, r.offset_reg,
         regs.size());
  const i128 off = i128(r.offset) + i128(regs[r.offset_reg]) * r.offset_reg_scale;
  if (off < 0 || off > i128(INT64_MAX))
    fail("{}: operand offset {} + r{} ({}) * {} is negative or overflows", what, r.offset,
         r.offset_reg, regs[r.offset_reg], r.offset_reg_scale);
  return uint64_t(off);
}

void check_operand_bounds(const TensorRef& r, uint64_t off, const arch::ChipConfig& chip,
                          std::string_view what) {
  if (r.space == Space::Hbm) {
    const ByteSpan s = operand_byte_span(r);
    const i128 lo = i128(off) + s.lo, hi = i128(off) + s.hi;
    if (lo < 0 || hi > i128(chip.hbm.capacity_bytes))
      fail("{}: HBM byte range [{}, {}) is out of bounds (HBM capacity {} bytes)", what,
           int64_t(lo), int64_t(hi), chip.hbm.capacity_bytes);
    return;
  }
  const arch::Memory2D& m = r.space == Space::Sbuf ? chip.sbuf : chip.psum;
  const char* sname = r.space == Space::Sbuf ? "SBUF" : "PSUM";
  if (r.space != Space::Sbuf && r.space != Space::Psum)
    fail("{}: operand has no memory space", what);
  if (uint32_t(r.part_start) + r.parts_touched() > m.partitions)
    fail("{}: {} partitions [{}, {}) are out of bounds ({} partitions)", what, sname,
         r.part_start, uint32_t(r.part_start) + r.parts_touched(), m.partitions);
  const ByteSpan fs = free_byte_span(r);
  const i128 lo = i128(off) + fs.lo, hi = i128(off) + fs.hi;
  if (lo < 0 || hi > i128(m.bytes_per_partition))
    fail("{}: {} byte range [{}, {}) per partition is out of bounds ({} bytes per partition)",
         what, sname, int64_t(lo), int64_t(hi), m.bytes_per_partition);
}

}  // namespace npulab::isa
