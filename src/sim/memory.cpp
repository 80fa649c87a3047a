// Simulated memories (see memory.h).
//  - Scratchpad (SBUF/PSUM): one contiguous host buffer, partition-major. Bytes read as
//    kUninitByte (0xFF = NaN in every float dtype) until written, so reads of never-written
//    data show up; the fill happens lazily per partition (memory.h says why).
//  - Hbm: 64 KiB pages allocated on first write (and filled with kUninitByte), so a
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
    : partitions_(partitions), bpp_(bytes_per_partition),
      pitch_(bytes_per_partition % 4096 == 0 ? bytes_per_partition + 64 : bytes_per_partition) {
  if (!allocate) return;
  // Default-initialised: the OS maps the pages only when prepare() first fills them.
  data_.reset(new uint8_t[uint64_t(partitions) * pitch_]);
  ready_.assign(partitions, 0);
}

void Scratchpad::fill(uint32_t p, uint64_t end) const {
  // Fill in 4 KiB steps (whole host pages) so a tile growing byte by byte does not call
  // memset for every instruction.
  constexpr uint64_t kStep = 4096;
  end = std::min(bpp_, (end + kStep - 1) / kStep * kStep);
  std::memset(data_row(p) + ready_[p], kUninitByte, end - ready_[p]);
  const bool was_min = ready_[p] == all_ready_;
  ready_[p] = end;
  if (was_min) all_ready_ = *std::min_element(ready_.begin(), ready_.end());
}

Hbm::Hbm(uint64_t capacity, bool allocate) : capacity_(capacity), allocate_(allocate) {
  if (allocate) leaves_.resize(((capacity + kPageSize - 1) >> kPageBits) / kLeafSize + 1);
}

Hbm::~Hbm() {
  for (auto& l : leaves_)
    if (l)
      for (uint8_t* pg : *l) delete[] pg;
}

static void check_range(uint64_t capacity, uint64_t addr, uint64_t n, const char* what) {
  if (addr > capacity || n > capacity - addr)
    fail("HBM {}: byte range [{:#x}, {:#x}) is outside HBM capacity {:#x}", what, addr, addr + n,
         capacity);
}

uint8_t* Hbm::page_ptr(uint64_t addr) {
  if (!allocate_) fail("HBM access at {:#x} in timing-only mode (no data storage)", addr);
  check_range(capacity_, addr, 1, "access");
  return page(addr, true);
}

uint8_t* Hbm::page(uint64_t addr, bool fill) {
  auto& leaf = leaves_[addr >> (kPageBits + kLeafBits)];
  if (!leaf) leaf = std::make_unique<Leaf>(Leaf{});
  uint8_t*& pg = (*leaf)[(addr >> kPageBits) & (kLeafSize - 1)];
  if (!pg) {
    pg = new uint8_t[kPageSize];
    if (fill) std::memset(pg, kUninitByte, kPageSize);
    ++allocated_;
  }
  return pg + (addr & (kPageSize - 1));
}

void Hbm::write(uint64_t addr, const void* src, uint64_t n) {
  check_range(capacity_, addr, n, "write");
  if (!allocate_) fail("HBM write at {:#x} in timing-only mode (no data storage)", addr);
  const auto* s = static_cast<const uint8_t*>(src);
  while (n > 0) {
    uint64_t chunk = std::min(n, kPageSize - (addr & (kPageSize - 1)));
    // A write of a whole page needs no 0xFF fill first.
    std::memcpy(page(addr, chunk != kPageSize), s, chunk);
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
    if (const uint8_t* pg = find(addr))
      std::memcpy(d, pg, chunk);
    else
      std::memset(d, kUninitByte, chunk);
    addr += chunk;
    d += chunk;
    n -= chunk;
  }
}

void Hbm::copy(uint64_t dst, uint64_t src, uint64_t n) {
  check_range(capacity_, dst, n, "copy to");
  check_range(capacity_, src, n, "copy from");
  if (!allocate_) fail("HBM copy at {:#x} in timing-only mode (no data storage)", dst);
  while (n > 0) {
    const uint64_t chunk = std::min({n, kPageSize - (dst & (kPageSize - 1)), kPageSize - (src & (kPageSize - 1))});
    uint8_t* d = page(dst, true);
    if (const uint8_t* s = find(src))
      std::memmove(d, s, chunk);
    else
      std::memset(d, kUninitByte, chunk);
    dst += chunk;
    src += chunk;
    n -= chunk;
  }
}

}  // namespace npulab::sim
