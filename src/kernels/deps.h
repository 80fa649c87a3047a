// Automatic synchronisation: which semaphore waits an instruction needs so that it is
// ordered after every earlier instruction on another stream that touched the same memory
// (RAW, WAR and WAW hazards). Each "logical stream" (a fixed engine, or a DMA queue set
// whose groups run one after another) owns one semaphore counting its completions; a
// Completion (sem, value) names "the first `value` signals of that semaphore".
//
// The tracker keeps, per memory bucket, the regions written (with their writer) and read
// (with their reader) that are not yet superseded: a write that covers an older record
// removes it, because anyone who must wait for the old access waits for the new one, and
// the new one waited for the old. Waits already implied by what a stream has waited for
// before (directly or transitively through the snapshot of what the producer knew) are
// dropped, so programs carry few waits. The records are indexed by address block (see
// Bucket below); which records exist, and so every wait, is exactly as with a plain list.
#pragma once
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "isa/instr.h"
#include "kernels/region.h"

namespace npulab::kernels {

struct Completion {
  uint16_t sem = 0;
  int64_t value = 0;
};

// Wanted waits, at most one (the max value) per semaphore.
class WaitSet {
 public:
  explicit WaitSet(uint32_t num_sems = 0) : v_(num_sems, 0) {}
  void need(Completion c) { if (c.value > v_[c.sem]) v_[c.sem] = c.value; }
  int64_t operator[](uint32_t s) const { return v_[s]; }
  uint32_t size() const { return uint32_t(v_.size()); }
  std::vector<Completion> list() const;
  std::vector<int64_t>& raw() { return v_; }

 private:
  std::vector<int64_t> v_;
};

class DepTracker {
 public:
  // sbuf_bpp / psum_bpp: bytes per partition (the partition-major row size).
  DepTracker(uint32_t num_logical_streams, uint32_t num_sems, uint64_t sbuf_bpp, uint64_t psum_bpp);

  // Declare an HBM tensor's byte range (a bucket, so unrelated tensors never compare).
  void add_hbm_range(uint64_t offset, uint64_t bytes);
  uint64_t bytes_per_partition(isa::Space s) const { return s == isa::Space::Psum ? psum_bpp_ : sbuf_bpp_; }

  // Add to `out` the completions an access by logical stream `ls` must wait for.
  // `own_sem` is the semaphore of `ls` (its own earlier work needs no wait).
  void collect(uint32_t ls, uint16_t own_sem, const Region& r, bool write, WaitSet& out) const;
  // Drop wanted waits that `ls` already knows are done, or that another wanted wait implies.
  void prune(uint32_t ls, WaitSet& w) const;
  // `ls` issued an instruction (group) that waited for `w`: extend what it knows.
  void learn(uint32_t ls, const WaitSet& w);
  // The completion `c` of `ls` happened after everything `ls` knows now.
  void completed(uint32_t ls, Completion c);
  // Record an access so later ones can be ordered after it.
  void record(const Region& r, bool write, Completion by);

  uint64_t live_records() const;
  // Register loops: every completion value v > base[s] of semaphore s (records, what
  // streams know, snapshots) becomes v + add[s] -- the state after the checked copy of a
  // loop iteration renamed to the state after the last iteration.
  void shift_values(const std::vector<int64_t>& base, const std::vector<int64_t>& add);

 private:
  struct Rec {
    Region r;
    Completion c;
  };
  // Records live in one slab (ids reused through a free list). Each bucket indexes them
  // by address block so an access only compares records near it, instead of every live
  // record of its memory space (the linear scan dominated building large programs).
  // SBUF/PSUM blocks are by byte within a partition (address % bytes_per_partition): a
  // tile slice covers few such blocks whatever its partition range. HBM tensor buckets
  // are blocked linearly over the tensor's range. A record whose blocks cannot be bounded
  // (spans partitions, zero width) sits in the bucket's `wide` lists and is always compared.
  struct Slot {
    Rec rec;
    uint32_t bucket = 0;
    bool write = false, alive = false;
  };
  struct Bucket {
    bool columns = false;            // SBUF/PSUM: block by address % bpp
    uint64_t bpp = 0;                // columns: bytes per partition
    uint64_t origin = 0, span = 0;   // linear: indexed address range
    uint32_t shift = 0, nblocks = 1; // block = (key - origin) >> shift
    std::vector<std::vector<uint32_t>> writes, reads;  // per block: slot ids
    std::vector<uint32_t> wide_writes, wide_reads;
    uint64_t live = 0;
  };
  struct ReadKey {  // a read record merges with a later read of the same stream and geometry
    uint64_t base, stride, rows, width;
    uint32_t bucket;
    uint16_t sem;
    bool operator==(const ReadKey&) const = default;
  };
  struct ReadKeyHash {
    size_t operator()(const ReadKey& k) const;
  };
  struct Snapshots {  // per semaphore: values reached, and what was known then
    std::vector<int64_t> values;
    std::vector<int64_t> known;  // values.size() x num_sems
  };
  static Bucket make_bucket(bool columns, uint64_t origin, uint64_t span);
  // Blocks [b0, b1] of `bk` that can hold bytes of `r` (b0 > b1: none); false = unbounded.
  static bool block_range(const Bucket& bk, const Region& r, uint32_t& b0, uint32_t& b1);
  ReadKey read_key(const Region& r, uint32_t bucket, uint16_t sem) const {
    return {r.base, r.stride, r.rows, r.width, bucket, sem};
  }
  uint32_t insert(uint32_t bucket, const Region& r, bool write, Completion c);
  const int64_t* snapshot(Completion c) const;
  size_t bucket_of(const Region& r) const;
  template <class F> void for_buckets(const Region& r, F&& f) const;

  uint32_t num_sems_;
  uint64_t sbuf_bpp_, psum_bpp_;
  std::vector<std::vector<int64_t>> known_;  // [logical stream][sem]
  std::vector<Snapshots> snaps_;             // [sem]
  std::vector<Bucket> buckets_;              // 0 SBUF, 1 PSUM, 2 HBM (other), 3+i HBM tensor i
  std::vector<std::pair<uint64_t, uint64_t>> hbm_ranges_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  std::unordered_map<ReadKey, uint32_t, ReadKeyHash> read_index_;
  std::vector<uint32_t> dead_;                // scratch for record()
  mutable std::vector<uint32_t> seen_;        // per slot: stamp of the last collect() that compared it
  mutable uint32_t stamp_ = 0;
};

}  // namespace npulab::kernels
