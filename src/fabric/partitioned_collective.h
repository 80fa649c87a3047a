// A collective's schedule run as one simulation over the ranks of an MPI launch
// (docs/SYSTEMS.md, "One run over MPI ranks"): each rank owns a contiguous block of the
// collective's ranks (chips) and only their buffers; a transfer between chips of different
// ranks moves its real bytes between the processes, as the payload of the event that is
// the flow's arrival at its destination chip (dist/conservative.h: windows of the smallest
// cross-rank route latency, the lookahead). Times and data are those of time_schedule and
// execute (fabric/collective.h) bit for bit, whatever the rank count:
//   - every rank keeps the same clock arithmetic (start_ns, + step_ns per step, the step's
//     end the largest finish of its flows: a max, exact in any order);
//   - a flow's finish is computed by its source's rank from the network alone where the
//     network's flows are independent ("ideal"); under "flow" the max-min fair shares couple
//     every flow that shares a link, whichever ranks own its ends, and cannot be split
//     exactly, so each rank solves the step's whole allocation (every rank knows the static
//     schedule) and keeps its own flows' finishes - the data, the events and the clock stay
//     partitioned, the fair-share solve is replicated;
//   - the destination applies a step's transfers in the schedule's order at the step's end,
//     from the bytes the sources had when the step began.
#pragma once
#include <cstdint>
#include <vector>

#include "dist/comm.h"
#include "fabric/collective.h"

namespace npulab::fabric {

// Which process holds which of the collective's ranks: contiguous blocks of ranks.
class RankOwnership {
 public:
  RankOwnership(uint32_t ranks, const dist::Comm& comm);
  int owner(uint32_t rank) const;
  bool mine(uint32_t rank) const { return owner(rank) == me_; }

 private:
  uint32_t ranks_;
  int procs_, me_;
};

// The smallest route latency between chips of the group held by different processes (the
// windows' length); +infinity when one process holds them all.
double cross_rank_lookahead_ns(const Topology& topo, const std::vector<uint32_t>& group, const RankOwnership& own);

struct PartitionedRun {
  CollectiveTiming timing;  // identical on every rank
  double lookahead_ns = 0;
  uint64_t windows = 0;                     // summed over the steps, on every rank alike
  uint64_t remote_events = 0, remote_bytes = 0;  // summed over the ranks
};

// Runs `s` over the processes of `comm`. With `buffers` (size s.ranks; this process's ranks'
// buffers of s.buffer_elems elements of `dt`, the others' empty) the data moves and is
// reduced; without, only the time is simulated. Every process calls it together.
PartitionedRun run_partitioned(const Schedule& s, const Network& net, const std::vector<uint32_t>& group,
                               uint32_t elem_bytes, dist::Comm& comm, DType dt, ReduceOp op,
                               std::vector<std::vector<uint8_t>>* buffers);

}  // namespace npulab::fabric
