// Simulated memories (see memory.h).
//  - Scratchpad (SBUF/PSUM): one contiguous host buffer, partition-major, filled with
//    kUninitByte (0xFF = NaN in every float dtype) so reads of never-written data show up.
//  - Hbm: 64 KiB pages allocated on first touch (and filled with kUninitByte), so a
//    96-144 GiB simulated HBM costs host memory only for the pages a program touches.
//    Reads of untouched pages do not allocate: they return kUninitByte bytes.
//  - Timing-only mode (allocate == false): no storage at all; any data access is an
//    internal error reported as npulab::Error.
#include "sim/memory.h"

#include <algorithm>
#include <cstring>

#include "common/error.h"

namespace npulab::sim {

Scratchpad::Scratchpad(uint32_t partitions, uint64_t bytes_per_partition, bool allocate)
    : partitions_(partitions), bpp_(bytes_per_partition) {
  if (allocate) data_.assign(uint64_t(partitions) * bytes_per_partition, kUninitByte);
}

Hbm::Hbm(uint64_t capacity, bool allocate) : capacity_(capacity), allocate_(allocate) {
  if (allocate) pages_.resize((capacity + kPageSize - 1) >> kPageBits);
}

static void check_range(uint64_t capacity, uint64_t addr, uint64_t n, const char* what) {
  if (addr > capacity || n > capacity - addr)
    fail("HBM {}: byte range [{:#x}, {:#x}) is outside HBM capacity {:#x}", what, addr, addr + n,
         capacity);
}

uint8_t* Hbm::page_ptr(uint64_t addr) {
  if (!allocate_) fail("HBM access at {:#x} in timing-only mode (no data storage)", addr);
  check_range(capacity_, addr, 1, "access");
  auto& pg = pages_[addr >> kPageBits];
  if (!pg) {
    pg = std::make_unique<uint8_t[]>(kPageSize);
    std::memset(pg.get(), kUninitByte, kPageSize);
    ++allocated_;
  }
  return pg.get() + (addr & (kPageSize - 1));
}

void Hbm::write(uint64_t addr, const void* src, uint64_t n) {
  check_range(capacity_, addr, n, "write");
  if (!allocate_) fail("HBM write at {:#x} in timing-only mode (no data storage)", addr);
  const auto* s = static_cast<const uint8_t*>(src);
  while (n > 0) {
    uint64_t chunk = std::min(n, kPageSize - (addr & (kPageSize - 1)));
    std::memcpy(page_ptr(addr), s, chunk);
    addr += chunk;
    s += chunk;
    n -= chunk;
  }
}

void Hbm::read(uint64_t addr, void* dst, uint64_t n) const {
  check_range(capacity_, addr, n, "read");
  if (!allocate_) fail("HBM read at {:#x} in timing-only mode (no data storage)", addr);
  auto* d = static_cast<uint8_t*>(dst);
  while (n > 0) {
    uint64_t chunk = std::min(n, kPageSize - (addr & (kPageSize - 1)));
    const auto& pg = pages_[addr >> kPageBits];
    if (pg)
      std::memcpy(d, pg.get() + (addr & (kPageSize - 1)), chunk);
    else
      std::memset(d, kUninitByte, chunk);
    addr += chunk;
    d += chunk;
    n -= chunk;
  }
}

}  // namespace npulab::sim
