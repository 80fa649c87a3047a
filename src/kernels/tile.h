// Tiles: views of SBUF/PSUM allocations. A Tile is a [partitions, free...] access pattern
// (at most 4 free dims) plus a shared handle on its allocation: the memory is returned
// to the allocator when the last Tile viewing it goes away (RAII) or on release().
// Freed memory can be reused at once; the builder's dependency tracker works on
// addresses, not tiles, so reuse is synchronised like any other overwrite.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "isa/instr.h"

namespace npulab::kernels {

// An on-chip memory (SBUF or PSUM) cannot hold a requested tile. A distinct type, so a
// caller that can build a smaller program instead (the LLM runner halves its prefill chunk
// when SBUF is full) asks for this error by type and space, never by its message text.
class OnChipMemoryFull : public Error {
 public:
  OnChipMemoryFull(isa::Space space, uint64_t requested, uint64_t in_use, uint64_t capacity, const std::string& msg)
      : Error(msg), space_(space), requested_(requested), in_use_(in_use), capacity_(capacity) {}
  isa::Space space() const { return space_; }
  uint64_t requested_bytes() const { return requested_; }  // per partition
  uint64_t in_use_bytes() const { return in_use_; }        // per partition, when it failed
  uint64_t capacity_bytes() const { return capacity_; }    // per partition

 private:
  isa::Space space_;
  uint64_t requested_, in_use_, capacity_;
};

class TileAllocator;

// One live allocation: a byte range [offset, offset+size) in every partition.
struct TileStorage {
  std::shared_ptr<TileAllocator> owner;
  uint64_t id = 0;
  uint64_t offset = 0, size = 0;
  std::string name;
  ~TileStorage();
};

class Tile {
 public:
  Tile() = default;
  Tile(std::shared_ptr<TileStorage> mem, const isa::TensorRef& ref) : mem_(std::move(mem)), ref_(ref) {}

  bool valid() const { return mem_ != nullptr; }
  const std::string& name() const;
  isa::Space space() const { return ref_.space; }
  DType dtype() const { return ref_.dtype; }
  uint32_t part_start() const { return ref_.part_start; }
  uint32_t partitions() const { return ref_.part_count; }
  int free_rank() const { return ref_.ndim; }
  uint32_t dim(int d) const { return ref_.dims[d].size; }  // free dim d (0 = outermost)
  uint64_t free_elems() const { return ref_.free_elems(); }
  const isa::TensorRef& ref() const { return ref_; }

  // Views (share the allocation).
  Tile parts(uint32_t start, uint32_t count) const;             // partition range
  Tile slice(int d, uint32_t start, uint32_t count) const;      // free dim d range
  Tile cols(uint32_t start, uint32_t count) const { return slice(ref_.ndim - 1, start, count); }
  Tile reshape(const std::vector<uint32_t>& free_shape) const;  // contiguous tiles only
  Tile broadcast(uint32_t n) const;  // a [P,1] tile seen as [P,n] (stride 0)
  // A [P, ...] tile seen as [P, ..., n], each element read n times (a stride-0 innermost
  // dim; a read operand): a per-(partition, column) factor applied along a new dim.
  Tile repeat_inner(uint32_t n) const;
  // A [1, F] tile seen as [count, F], every partition reading this one (NKI's
  // `row.broadcast_to((count, F))`): a read-only operand form (isa::TensorRef::part_bcast).
  Tile broadcast_partitions(uint32_t count) const;
  bool partition_broadcast() const { return ref_.part_bcast; }
  // Free dim d (size n, any stride) seen as two dims [outer, n / outer]; strided views too.
  Tile split(int d, uint32_t outer) const;
  // Same bytes seen with another dtype of the same size (e.g. f32 <-> i32).
  Tile bitcast(DType t) const;

  // Drop this handle's hold on the memory (it is freed when no view holds it).
  void release() { mem_.reset(); }

 private:
  std::shared_ptr<TileStorage> mem_;
  isa::TensorRef ref_;
};

// First-fit allocator of per-partition byte ranges for one on-chip memory.
// PSUM allocations no larger than a bank never straddle a bank boundary.
class TileAllocator : public std::enable_shared_from_this<TileAllocator> {
 public:
  TileAllocator(isa::Space space, uint32_t partitions, uint64_t bytes_per_partition, uint64_t bank_bytes);
  // Throws OnChipMemoryFull naming the tile, its size and what is in use when full.
  std::shared_ptr<TileStorage> allocate(const std::string& name, uint64_t bytes, const std::string& what);
  void free(uint64_t id);
  uint64_t bytes_in_use() const;
  uint64_t capacity() const { return bpp_; }
  uint32_t partitions() const { return partitions_; }
  std::string usage_summary() const;

 private:
  struct Live { uint64_t id, offset, size; std::string name; };
  isa::Space space_;
  uint32_t partitions_;
  uint64_t bpp_, bank_;
  uint64_t next_id_ = 1;
  std::vector<Live> live_;  // sorted by offset
};

}  // namespace npulab::kernels
