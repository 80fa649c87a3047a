// Memory regions touched by an operand, as "combs": `rows` equal-width byte runs spaced
// `stride` bytes apart in one memory space's linear address space. SBUF/PSUM addresses
// are partition-major (address = partition * bytes_per_partition + byte), so a tile
// slice is exactly one comb; an HBM access pattern with a row stride is one too. The
// dependency tracker compares combs exactly when their strides agree and falls back to
// bounding intervals otherwise (conservative: may add a wait, never misses one).
#pragma once
#include <cstdint>

#include "isa/instr.h"

namespace npulab::kernels {

struct Region {
  isa::Space space = isa::Space::None;
  uint64_t base = 0;    // first byte of row 0
  uint64_t stride = 0;  // bytes between rows (>= width when rows > 1)
  uint64_t rows = 1;
  uint64_t width = 0;   // bytes per row
  uint64_t lo() const { return base; }
  uint64_t hi() const { return base + (rows - 1) * stride + width; }  // one past the end
};

// Region of an operand; `bytes_per_partition` is the SBUF or PSUM row size.
Region region_of(const isa::TensorRef& r, uint64_t bytes_per_partition);
bool overlaps(const Region& a, const Region& b);
// True if every byte of `inner` is inside `outer`.
bool covers(const Region& outer, const Region& inner);

}  // namespace npulab::kernels
