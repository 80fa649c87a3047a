#include "fabric/partitioned_collective.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>

#include "common/error.h"
#include "dist/conservative.h"
#include "dist/partition.h"

namespace npulab::fabric {

RankOwnership::RankOwnership(uint32_t ranks, const dist::Comm& comm)
    : ranks_(ranks), procs_(comm.size()), me_(comm.rank()) {
  if (uint32_t(procs_) > ranks_)
    fail("mpirun -n {}: the collective has {} chips, at least one per MPI rank is needed (give --chips >= {} or "
         "fewer ranks)",
         procs_, ranks_, procs_);
}

int RankOwnership::owner(uint32_t rank) const { return dist::owner_of(rank, ranks_, procs_); }

double cross_rank_lookahead_ns(const Topology& topo, const std::vector<uint32_t>& group, const RankOwnership& own) {
  double best = std::numeric_limits<double>::infinity();
  for (uint32_t a = 0; a < group.size(); ++a)
    for (uint32_t b = 0; b < group.size(); ++b)
      if (own.owner(a) != own.owner(b)) best = std::min(best, topo.route_latency_ns(group[a], group[b]));
  return best;
}

namespace {

// Where each transfer of a step sits in its pair's flow: the flow's index and the byte
// offset of the transfer's elements in the flow's payload (transfers in schedule order).
struct Placement {
  std::vector<size_t> flow;
  std::vector<uint64_t> offset;
};

Placement place(const Step& st, const StepFlows& sf, size_t esz) {
  std::map<std::pair<uint32_t, uint32_t>, size_t> index;
  for (size_t f = 0; f < sf.pairs.size(); ++f) index[sf.pairs[f]] = f;
  Placement p;
  std::vector<uint64_t> filled(sf.pairs.size(), 0);
  for (const Transfer& t : st.transfers) {
    const size_t f = index.at({t.src, t.dst});
    p.flow.push_back(f);
    p.offset.push_back(filled[f]);
    filled[f] += t.count * esz;
  }
  return p;
}

}  // namespace

PartitionedRun run_partitioned(const Schedule& s, const Network& net, const std::vector<uint32_t>& group,
                               uint32_t elem_bytes, dist::Comm& comm, DType dt, ReduceOp op,
                               std::vector<std::vector<uint8_t>>* buffers) {
  const RankOwnership own(s.ranks, comm);
  if (group.size() != s.ranks) fail("collective {}: a group of {} for {} ranks", coll_kind_name(s.kind), group.size(), s.ranks);
  const size_t esz = elem_bytes;
  if (buffers) {
    if (dtype_size(dt) != elem_bytes)
      fail("collective {}: buffers of {} ({} B) timed as {} B elements", coll_kind_name(s.kind), dtype_name(dt),
           dtype_size(dt), elem_bytes);
    if (buffers->size() != s.ranks) fail("collective {}: {} buffers for {} ranks", coll_kind_name(s.kind), buffers->size(), s.ranks);
    for (uint32_t r = 0; r < s.ranks; ++r)
      if (own.mine(r) && (*buffers)[r].size() != s.buffer_elems * esz)
        fail("collective {}: rank {}'s buffer holds {} bytes, the schedule needs {}", coll_kind_name(s.kind), r,
             (*buffers)[r].size(), s.buffer_elems * esz);
  }
  PartitionedRun out;
  // One process: no event crosses ranks, so the window is unbounded (one window per step).
  const double lookahead = cross_rank_lookahead_ns(net.topology(), group, own);
  out.lookahead_ns = lookahead;
  const auto& c = net.topology().system().collectives;
  double t = c.start_ns;
  std::vector<uint64_t> sent(s.ranks, 0);
  for (const Step& st : s.steps) {
    t += c.step_ns;
    for (const Transfer& x : st.transfers) sent[x.src] += x.count * elem_bytes;
    const StepFlows sf = step_flows(st, group, elem_bytes, t);
    const Placement pl = place(st, sf, esz);
    // This process's flows (its chips send them) and their finishes.
    std::vector<size_t> mine;
    for (size_t f = 0; f < sf.pairs.size(); ++f)
      if (own.mine(sf.pairs[f].first)) mine.push_back(f);
    std::vector<double> finish(sf.flows.size(), 0);
    if (net.flows_independent()) {
      std::vector<Flow> fl;
      for (size_t f : mine) fl.push_back(sf.flows[f]);
      const std::vector<double> ft = net.run(fl);
      for (size_t i = 0; i < mine.size(); ++i) finish[mine[i]] = ft[i];
    } else {
      finish = net.run(sf.flows);  // the whole step's fair shares (see the header)
    }
    // Each flow's arrival is an event for its destination chip, carrying the bytes of its
    // transfers as the source holds them now, at the step's start.
    dist::ConservativeSync sync(comm, lookahead, [&](uint32_t r) { return own.owner(r); });
    for (size_t f : mine) {
      dist::Event e;
      e.time = finish[f];
      e.lp = sf.pairs[f].second;
      e.key = f;
      if (buffers) {
        e.data.resize(size_t(sf.flows[f].bytes));
        for (size_t i = 0; i < st.transfers.size(); ++i)
          if (pl.flow[i] == f) {
            const Transfer& x = st.transfers[i];
            std::memcpy(e.data.data() + pl.offset[i], (*buffers)[x.src].data() + x.src_off * esz, x.count * esz);
          }
      }
      sync.post(std::move(e));
    }
    std::vector<dist::Bytes> arrived(sf.flows.size());
    double last = t;
    sync.run([&](const dist::Event& e) {
      last = std::max(last, e.time);
      arrived[e.key] = e.data;
    });
    // The step ends when its last flow anywhere has arrived (the schedule's barrier).
    t = dist::all_max(comm, last);
    out.timing.step_end_ns.push_back(t);
    out.windows += sync.stats().windows;
    out.remote_events += sync.stats().remote_events;
    out.remote_bytes += sync.stats().remote_bytes;
    if (buffers)
      for (size_t i = 0; i < st.transfers.size(); ++i) {
        const Transfer& x = st.transfers[i];
        if (own.mine(x.dst)) apply_transfer(dt, op, x, arrived[pl.flow[i]].data() + pl.offset[i], (*buffers)[x.dst]);
      }
  }
  out.timing.total_ns = t;
  for (uint64_t b : sent) out.timing.bytes_per_rank_max = std::max(out.timing.bytes_per_rank_max, b);
  out.remote_events = dist::all_sum(comm, out.remote_events);
  out.remote_bytes = dist::all_sum(comm, out.remote_bytes);
  return out;
}

}  // namespace npulab::fabric
