// Simulated memories. SBUF and PSUM are per core, partition-major (a partition is a
// contiguous byte row). HBM is per chip, a flat byte space backed lazily page by page
// so a 96-144 GiB HBM costs host memory only for the pages a program touches.
// Fresh memory reads as 0xFF bytes: NaN in every float dtype, so reads of
// uninitialised data show up. In timing-only mode no storage is allocated at all.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace npulab::sim {

constexpr uint8_t kUninitByte = 0xFF;

// Partitioned scratchpad (SBUF or PSUM).
class Scratchpad {
 public:
  Scratchpad(uint32_t partitions, uint64_t bytes_per_partition, bool allocate);
  uint32_t partitions() const { return partitions_; }
  uint64_t bytes_per_partition() const { return bpp_; }
  bool has_data() const { return !data_.empty(); }
  uint8_t* row(uint32_t p) { return data_.data() + uint64_t(p) * bpp_; }
  const uint8_t* row(uint32_t p) const { return data_.data() + uint64_t(p) * bpp_; }

 private:
  uint32_t partitions_;
  uint64_t bpp_;
  std::vector<uint8_t> data_;
};

// Lazily backed HBM. Pages are allocated (filled with kUninitByte) on first touch.
class Hbm {
 public:
  static constexpr uint64_t kPageBits = 16;  // 64 KiB pages
  static constexpr uint64_t kPageSize = 1ull << kPageBits;
  Hbm(uint64_t capacity, bool allocate);
  uint64_t capacity() const { return capacity_; }
  bool has_data() const { return allocate_; }
  // Copy bytes in/out (bounds-checked: throws npulab::Error naming the range).
  void write(uint64_t addr, const void* src, uint64_t n);
  void read(uint64_t addr, void* dst, uint64_t n) const;  // untouched pages read as kUninitByte
  // Pointer to `addr` valid for up to the end of its page; allocates the page.
  uint8_t* page_ptr(uint64_t addr);
  uint64_t pages_allocated() const { return allocated_; }

 private:
  uint64_t capacity_;
  bool allocate_;
  std::vector<std::unique_ptr<uint8_t[]>> pages_;
  uint64_t allocated_ = 0;
};

}  // namespace npulab::sim
