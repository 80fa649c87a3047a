// A collective's time on the fabric (fabric/collective.h, "Time") and the timing-only entry
// point the serving and LLM layers use.
#include <algorithm>
#include <map>

#include "common/error.h"
#include "fabric/collective.h"
#include "sim/collective/plan.h"

namespace npulab::fabric {

StepFlows step_flows(const Step& st, const std::vector<uint32_t>& group, uint32_t elem_bytes, double start_ns) {
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> pair_bytes;  // one flow per rank pair (ordered)
  for (const Transfer& x : st.transfers) pair_bytes[{x.src, x.dst}] += x.count * elem_bytes;
  StepFlows out;
  for (const auto& [k, bytes] : pair_bytes) {
    out.pairs.push_back(k);
    out.flows.push_back({group[k.first], group[k.second], double(bytes), start_ns});
  }
  return out;
}

CollectiveTiming time_schedule(const Schedule& s, const Network& net, const std::vector<uint32_t>& group,
                               uint32_t elem_bytes) {
  const auto& c = net.topology().system().collectives;
  CollectiveTiming out;
  double t = c.start_ns;
  std::vector<uint64_t> sent(s.ranks, 0);
  for (const Step& st : s.steps) {
    t += c.step_ns;
    for (const Transfer& x : st.transfers) sent[x.src] += x.count * elem_bytes;
    double end = t;
    for (double f : net.run(step_flows(st, group, elem_bytes, t).flows)) end = std::max(end, f);
    t = end;
    out.step_end_ns.push_back(t);
  }
  out.total_ns = t;
  for (uint64_t b : sent) out.bytes_per_rank_max = std::max(out.bytes_per_rank_max, b);
  return out;
}

namespace {

sim::CollectiveKind sim_kind(CollKind k) {
  switch (k) {
    case CollKind::ReduceScatter: return sim::CollectiveKind::ReduceScatter;
    case CollKind::AllGather: return sim::CollectiveKind::AllGather;
    default: return sim::CollectiveKind::AllReduce;
  }
}

// The chip's own collective engine among its k ranks (cores), alone on the chip.
double on_chip_ns(const arch::ChipConfig& chip, CollKind kind, uint32_t k, uint64_t message_bytes, uint32_t elem_bytes) {
  const auto plan = sim::plan_collective(chip, sim_kind(kind), k, message_bytes, elem_bytes);
  return sim::collective_uncontended_ns(chip, plan);
}

}  // namespace

double collective_time_ns(const Network& net, CollKind kind, const std::vector<uint32_t>& group, uint64_t message_bytes,
                          uint32_t elem_bytes, Algo algo, uint32_t ranks_per_chip) {
  if (group.empty()) fail("collective {}: empty group", coll_kind_name(kind));
  if (elem_bytes == 0 || message_bytes < elem_bytes)
    fail("collective {}: the message ({} B) must hold at least one element of {} B", coll_kind_name(kind), message_bytes, elem_bytes);
  if (ranks_per_chip == 0) fail("collective {}: ranks_per_chip must be >= 1", coll_kind_name(kind));
  const uint32_t n = uint32_t(group.size());
  CollectiveSpec spec;
  spec.kind = kind;
  spec.group = group;
  spec.elem_bytes = elem_bytes;
  spec.algo = algo;
  const uint64_t elems = message_bytes / elem_bytes;
  const bool split = kind == CollKind::ReduceScatter || kind == CollKind::AllGather || kind == CollKind::AllToAll;
  spec.count = std::max<uint64_t>(1, split ? elems / n : elems);
  if (kind == CollKind::Permute)
    for (uint32_t r = 0; r < n; ++r) spec.perm.push_back((r + 1) % n);
  if (kind == CollKind::SendRecv && n < 2) fail("collective send-recv: needs two chips");
  const double fabric = n > 1 || kind == CollKind::AllToAll ? time_schedule(build_schedule(net.topology(), spec), net, group, elem_bytes).total_ns : 0;
  if (ranks_per_chip == 1) return fabric;
  const arch::ChipConfig& chip = net.topology().system().chip;
  if (ranks_per_chip > chip.cores_per_chip)
    fail("collective {}: {} ranks per chip, but a {} chip has {} cores", coll_kind_name(kind), ranks_per_chip, chip.name, chip.cores_per_chip);
  const uint32_t k = ranks_per_chip;
  switch (kind) {
    case CollKind::AllReduce:
      return on_chip_ns(chip, CollKind::ReduceScatter, k, message_bytes, elem_bytes) + fabric +
             on_chip_ns(chip, CollKind::AllGather, k, message_bytes, elem_bytes);
    case CollKind::ReduceScatter:
      return on_chip_ns(chip, CollKind::ReduceScatter, k, message_bytes, elem_bytes) + fabric;
    case CollKind::AllGather:
      return on_chip_ns(chip, CollKind::AllGather, k, message_bytes / n, elem_bytes) + fabric;
    default: return fabric;
  }
}

}  // namespace npulab::fabric

namespace npulab::fabric {

double pairwise_send_ns(const Network& net, const std::vector<uint32_t>& from, const std::vector<uint32_t>& to,
                        uint64_t bytes, uint32_t elem_bytes) {
  if (from.empty() || from.size() != to.size())
    fail("pairwise send: {} senders and {} receivers, expected as many of each (at least one)", from.size(), to.size());
  if (elem_bytes == 0 || bytes < elem_bytes) fail("pairwise send: {} B holds no element of {} B", bytes, elem_bytes);
  Schedule s;
  s.kind = CollKind::SendRecv;
  s.algo = Algo::Direct;
  s.description = "pairwise send";
  s.ranks = uint32_t(2 * from.size());
  s.count = bytes / elem_bytes;
  s.buffer_elems = 2 * s.count;
  std::vector<uint32_t> group(from);
  group.insert(group.end(), to.begin(), to.end());
  Step st;
  const uint32_t n = uint32_t(from.size());
  for (uint32_t i = 0; i < n; ++i) st.transfers.push_back({i, n + i, 0, s.count, s.count, false});
  s.steps.push_back(std::move(st));
  return time_schedule(s, net, group, elem_bytes).total_ns;
}

}  // namespace npulab::fabric
