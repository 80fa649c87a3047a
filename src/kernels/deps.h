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
// dropped, so programs carry few waits.
#pragma once
#include <cstdint>
#include <span>
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

 private:
  struct Rec {
    Region r;
    Completion c;
  };
  struct Bucket {
    std::vector<Rec> writes, reads;
  };
  struct Snapshots {  // per semaphore: values reached, and what was known then
    std::vector<int64_t> values;
    std::vector<int64_t> known;  // values.size() x num_sems
  };
  const int64_t* snapshot(Completion c) const;
  size_t bucket_of(const Region& r) const;
  template <class F> void for_buckets(const Region& r, F&& f) const;

  uint32_t num_sems_;
  uint64_t sbuf_bpp_, psum_bpp_;
  std::vector<std::vector<int64_t>> known_;  // [logical stream][sem]
  std::vector<Snapshots> snaps_;             // [sem]
  std::vector<Bucket> buckets_;              // 0 SBUF, 1 PSUM, 2 HBM (other), 3+i HBM tensor i
  std::vector<std::pair<uint64_t, uint64_t>> hbm_ranges_;
};

}  // namespace npulab::kernels
