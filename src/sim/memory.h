// Simulated memories. SBUF and PSUM are per core, partition-major (a partition is a
// contiguous byte row). HBM is per chip, a flat byte space backed lazily page by page
// so a 96-144 GiB HBM costs host memory only for the pages a program touches.
// Fresh memory reads as 0xFF bytes: NaN in every float dtype, so reads of
// uninitialised data show up. In timing-only mode no storage is allocated at all.
#pragma once
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace npulab::sim {

constexpr uint8_t kUninitByte = 0xFF;

// Partitioned scratchpad (SBUF or PSUM).
//
// Host speed: a trn2 SBUF is 24 MiB, and filling it with 0xFF up front cost more than a
// whole small program's simulation. The storage is therefore taken from the OS
// untouched and each partition is filled lazily up to a watermark: row(p) fills the
// whole row; the semantics' operand check calls prepare() for exactly the byte range an
// instruction can reach, then uses data_row(). Either way every byte reads as 0xFF until
// written, as before.
//
// Rows are `pitch()` bytes apart on the host, one cache line more than bytes_per_partition
// when that is a multiple of 4 KiB (trn2: 192 KiB): otherwise every partition's byte i
// would map to the same L1/L2 cache set, and a tile spanning 128 partitions would thrash
// the host caches on every access.
class Scratchpad {
 public:
  Scratchpad(uint32_t partitions, uint64_t bytes_per_partition, bool allocate);
  uint32_t partitions() const { return partitions_; }
  uint64_t bytes_per_partition() const { return bpp_; }
  uint64_t pitch() const { return pitch_; }  // host bytes from row p to row p + 1
  bool has_data() const { return data_ != nullptr; }
  // The whole row, initialised (fills it on first use).
  uint8_t* row(uint32_t p) {
    prepare(p, 1, bpp_);
    return data_row(p);
  }
  const uint8_t* row(uint32_t p) const {
    prepare(p, 1, bpp_);
    return data_row(p);
  }
  // Make bytes [0, end) of partitions [first, first + count) readable (0xFF if never
  // written). Bounds are the caller's job (sim::check_operand).
  void prepare(uint32_t first, uint32_t count, uint64_t end) const {
    if (end <= all_ready_) return;  // every partition is that far already (the usual case)
    for (uint32_t p = first; p < first + count; ++p)
      if (ready_[p] < end) fill(p, end);
  }
  // Row pointer without initialisation: only for bytes covered by prepare().
  uint8_t* data_row(uint32_t p) const { return data_.get() + uint64_t(p) * pitch_; }

 private:
  void fill(uint32_t p, uint64_t end) const;
  uint32_t partitions_;
  uint64_t bpp_;
  uint64_t pitch_;
  std::unique_ptr<uint8_t[]> data_;
  mutable std::vector<uint64_t> ready_;  // per partition: bytes [0, ready_[p]) are initialised
  mutable uint64_t all_ready_ = 0;       // min of ready_: prepare() below it checks no partition
};

// Lazily backed HBM. Pages are allocated (filled with kUninitByte) on first touch.
// The page table has two levels (1024 pages = 64 MiB per leaf) so creating a 96 GiB
// HBM does not zero a 12 MB flat table.
class Hbm {
 public:
  static constexpr uint64_t kPageBits = 16;  // 64 KiB pages
  static constexpr uint64_t kPageSize = 1ull << kPageBits;
  Hbm(uint64_t capacity, bool allocate);
  ~Hbm();
  Hbm(const Hbm&) = delete;
  Hbm& operator=(const Hbm&) = delete;
  uint64_t capacity() const { return capacity_; }
  bool has_data() const { return allocate_; }
  // Copy bytes in/out (bounds-checked: throws npulab::Error naming the range).
  void write(uint64_t addr, const void* src, uint64_t n);
  void read(uint64_t addr, void* dst, uint64_t n) const;  // untouched pages read as kUninitByte
  // HBM to HBM, page by page on both sides (memmove within a page pair; untouched source
  // pages copy as kUninitByte).
  void copy(uint64_t dst, uint64_t src, uint64_t n);
  // read() / write() of a range the caller has already bounds-checked in a functional HBM
  // (sim::check_operand checks a whole operand once; its DMA runs are often a few dozen
  // bytes): a run inside one page costs one page-table lookup and one copy.
  void read_in_bounds(uint64_t addr, void* dst, uint64_t n) const {
    if ((addr & (kPageSize - 1)) + n > kPageSize) return read(addr, dst, n);
    if (const uint8_t* pg = find(addr)) std::memcpy(dst, pg, n);
    else std::memset(dst, kUninitByte, n);
  }
  void write_in_bounds(uint64_t addr, const void* src, uint64_t n) {
    uint8_t* pg = (addr & (kPageSize - 1)) + n <= kPageSize ? const_cast<uint8_t*>(find(addr)) : nullptr;
    if (!pg) return write(addr, src, n);
    std::memcpy(pg, src, n);
  }
  // Pointer to `addr` valid for up to the end of its page; allocates the page.
  uint8_t* page_ptr(uint64_t addr);
  // Pointer to `addr` if its page was ever written, else nullptr (never allocates).
  // No bounds check: callers have checked the range.
  const uint8_t* find(uint64_t addr) const {
    const Leaf* l = leaves_[addr >> (kPageBits + kLeafBits)].get();
    if (!l) return nullptr;
    const uint8_t* pg = (*l)[(addr >> kPageBits) & (kLeafSize - 1)];
    return pg ? pg + (addr & (kPageSize - 1)) : nullptr;
  }
  uint64_t pages_allocated() const { return allocated_; }

 private:
  // The page holding addr, allocated if absent (filled with kUninitByte if `fill`).
  uint8_t* page(uint64_t addr, bool fill);
  static constexpr uint64_t kLeafBits = 10;
  static constexpr uint64_t kLeafSize = 1ull << kLeafBits;
  using Leaf = std::array<uint8_t*, kLeafSize>;
  uint64_t capacity_;
  bool allocate_;
  std::vector<std::unique_ptr<Leaf>> leaves_;
  uint64_t allocated_ = 0;
};

}  // namespace npulab::sim
