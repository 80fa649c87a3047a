// How much of each core's collective time overlaps its other work (SimResult::comm):
// a sweep over the event loop's transitions, which arrive in time order. Per core it counts
// the streams with an instruction in flight (compute engines, DMA queues; not the
// collectives) and the collectives in flight, and accumulates, between transitions, the time
// with a collective in flight (communication) and the part of it with other work in flight
// (overlap). Exact, O(1) per transition; enabled only for programs with collectives.
#pragma once
#include <cstdint>
#include <vector>

namespace npulab::sim {

class CommOverlap {
 public:
  explicit CommOverlap(uint32_t cores) : cores_(cores) {}
  void work_start(uint32_t core, int64_t now) { step(core, now).work += 1; }
  void work_end(uint32_t core, int64_t now) { step(core, now).work -= 1; }
  void coll_start(uint32_t core, int64_t now) { step(core, now).colls += 1; }
  void coll_end(uint32_t core, int64_t now) { step(core, now).colls -= 1; }
  double comm_ns(uint32_t core) const { return double(cores_[core].comm_ps) / 1000.0; }
  double overlap_ns(uint32_t core) const { return double(cores_[core].overlap_ps) / 1000.0; }

 private:
  struct Core {
    int64_t last = 0, comm_ps = 0, overlap_ps = 0;
    int32_t work = 0, colls = 0;
  };
  Core& step(uint32_t core, int64_t now) {
    Core& c = cores_[core];
    if (c.colls > 0 && now > c.last) {
      c.comm_ps += now - c.last;
      if (c.work > 0) c.overlap_ps += now - c.last;
    }
    c.last = now;
    return c;
  }
  std::vector<Core> cores_;
};

}  // namespace npulab::sim
