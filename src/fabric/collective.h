// Collectives across the chips of a system: the algorithm as a schedule of steps of
// transfers (which rank sends which elements of its buffer to which rank, copying or
// reducing), executed on real buffers (functional) and timed on a fabric Network. The same
// schedule does both, so a timing-only run (collective_time) is the functional run's time.
//
// Ranks are chips of the Topology, listed in `group` (rank r = group[r]). Each rank has one
// working buffer of elements of one dtype; where each kind keeps its input and output:
//   all-reduce      count elements per rank, in and out in place (buffer = count);
//   reduce-scatter  input n x count (rank r's result is chunk r, count elements, at r x count);
//   all-gather      count elements per rank, rank r's at r x count of an n x count buffer;
//   all-to-all      input chunk j (count elements) goes to rank j; buffer [in n x count | out
//                   n x count], chunk from rank j at n x count + j x count;
//   permute         rank r's count elements go to rank perm[r]; buffer [in count | out count];
//   send-recv       a permute where only rank `src` sends, to rank `dst`.
//
// Data (docs/SYSTEMS.md, "Collectives"): in a step every transfer reads its source as it was
// when the step began, then the transfers apply in the order the schedule lists them; a
// reducing transfer sets dst = round(dst op src) elementwise (both decoded to FP32, op add,
// max or min, rounded once to the dtype with RNE), so partial sums travel in the buffer's
// dtype as the hardware's do. Which rank's data meets which, and in what order, is the
// algorithm's (documented per algorithm); for integer-valued data every order gives the
// plain sum.
//
// Time: start_ns (system file), then per step step_ns plus the step's flows on the Network,
// every flow of a step starting together; a step begins when the previous step's last flow
// has arrived. Transfers between the same two ranks in a step are one flow.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fabric/network.h"
#include "numerics/dtype.h"

namespace npulab::fabric {

enum class CollKind : uint8_t { AllReduce, ReduceScatter, AllGather, AllToAll, Permute, SendRecv };
std::string_view coll_kind_name(CollKind k);  // "all-reduce", ...
std::optional<CollKind> parse_coll_kind(std::string_view s);

// Auto picks one (choose_algorithm); the others force it. Direct is the one-step pattern of
// all-to-all, permute and send-recv (and the name mesh has for them).
enum class Algo : uint8_t { Auto, Ring, Ring2D, Rdh, Mesh, Hierarchical, Direct };
std::string_view algo_name(Algo a);  // "auto", "ring", "ring2d", "rdh", "mesh", "hierarchical", "direct"
std::optional<Algo> parse_algo(std::string_view s);

enum class ReduceOp : uint8_t { Add, Max, Min };

struct Transfer {
  uint32_t src = 0, dst = 0;            // ranks
  uint64_t src_off = 0, dst_off = 0;    // elements into the buffers
  uint64_t count = 0;                   // elements
  bool reduce = false;
};

struct Step {
  std::vector<Transfer> transfers;
};

struct Schedule {
  CollKind kind = CollKind::AllReduce;
  Algo algo = Algo::Ring;               // what was built (never Auto)
  std::string description;              // "hierarchical(in_server ring2d, across_servers ring)"
  uint32_t ranks = 0;
  uint64_t count = 0;                   // the kind's count (see above)
  uint64_t buffer_elems = 0;            // per rank
  std::vector<Step> steps;
  // The message in nccom-test's sense, elements: the all-reduce's count, the others' n x count
  // (send-recv and permute: count).
  uint64_t message_elems() const;
};

struct CollectiveSpec {
  CollKind kind = CollKind::AllReduce;
  std::vector<uint32_t> group;          // chips of the topology, rank order
  uint64_t count = 0;
  uint32_t elem_bytes = 4;
  Algo algo = Algo::Auto;
  std::vector<uint32_t> perm;           // permute: rank r sends to perm[r] (a permutation)
  uint32_t src = 0, dst = 1;            // send-recv
};

// The algorithm Auto picks (docs/SYSTEMS.md, "Chooser"): one rank: none (an empty schedule);
// all-to-all, permute, send-recv: direct; a group of whole servers spanning several:
// hierarchical; within one server by its topology: a switch -> mesh; a ring or torus ->
// mesh up to collectives.mesh_max_bytes per rank, then recursive halving/doubling up to
// rdh_max_bytes for power-of-two groups, then ring2d where the group is the whole 2D torus,
// else ring.
Algo choose_algorithm(const Topology& topo, const CollectiveSpec& spec);

// The schedule (throws naming the algorithm when it does not apply: rdh needs a power-of-two
// group, ring2d the whole torus of one server in position order, hierarchical whole servers).
Schedule build_schedule(const Topology& topo, const CollectiveSpec& spec);

// Runs the schedule on every rank's buffer (buffers[r]: buffer_elems elements of dtype `dt`,
// raw bytes), in place.
void execute(const Schedule& s, DType dt, ReduceOp op, std::vector<std::vector<uint8_t>>& buffers);

// One transfer's effect on its destination buffer (copy, or reduce with `op`, as "Data"
// above): `src` is the transfer's count elements as the step found them.
void apply_transfer(DType dt, ReduceOp op, const Transfer& t, const uint8_t* src, std::vector<uint8_t>& dst);

// A step's flows (one per ordered rank pair, in pair order, all starting at `start_ns`) and
// the pair of each; what time_schedule puts on the Network.
struct StepFlows {
  std::vector<std::pair<uint32_t, uint32_t>> pairs;  // ranks
  std::vector<Flow> flows;                          // chips
};
StepFlows step_flows(const Step& st, const std::vector<uint32_t>& group, uint32_t elem_bytes, double start_ns);

struct CollectiveTiming {
  double total_ns = 0;
  std::vector<double> step_end_ns;      // when each step's last flow arrived
  uint64_t bytes_per_rank_max = 0;      // the most any rank sends
};
CollectiveTiming time_schedule(const Schedule& s, const Network& net, const std::vector<uint32_t>& group,
                               uint32_t elem_bytes);

// Timing only, without moving data: the time of the collective of `message_bytes` (nccom-test
// size: see Schedule::message_elems) among `group` on `net` (the serving and LLM layers use
// this to charge cross-chip collectives). ranks_per_chip > 1 makes each chip hold that many
// ranks (cores): all-reduce, reduce-scatter and all-gather then add the chip's own collective
// engine's phase among its ranks (sim::plan_collective, uncontended) around the cross-chip
// collective of the chips' share, as the hardware's hierarchy does; all-to-all counts the
// chips' part only.
double collective_time_ns(const Network& net, CollKind kind, const std::vector<uint32_t>& group, uint64_t message_bytes,
                          uint32_t elem_bytes, Algo algo = Algo::Auto, uint32_t ranks_per_chip = 1);

// Pipeline stages handing activations on: chip from[i] sends `bytes` to chip to[i], every
// pair at once, as one direct step (start_ns, step_ns and the flows on `net`, contending
// where their routes share links).
double pairwise_send_ns(const Network& net, const std::vector<uint32_t>& from, const std::vector<uint32_t>& to,
                        uint64_t bytes, uint32_t elem_bytes);

// The first `chips` chips (ascending): the default group. The ring algorithm walks a group
// that is one whole 2D-torus server in boustrophedon order (every step one link), any other
// group in rank order.
std::vector<uint32_t> default_group(const Topology& topo, uint32_t chips);

// nccom-test's bus bandwidth factor: all-reduce 2(n-1)/n, reduce-scatter / all-gather /
// all-to-all (n-1)/n, permute and send-recv 1.
double bus_factor(CollKind kind, uint32_t ranks);

}  // namespace npulab::fabric
