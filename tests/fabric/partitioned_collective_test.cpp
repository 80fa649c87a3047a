// A schedule run through the partitioned path (fabric/partitioned_collective.h) on one
// process equals time_schedule and execute bit for bit - times, every step's end, the bytes
// per rank and every buffer - on both fabric models, for copying and reducing kinds on random
// FP32 data (where the order of the sums shows). The runs over 2 and 4 MPI ranks are
// tests/dist/mpi_collective.sh.
#include <gtest/gtest.h>

#include <random>

#include "arch/chip_system.h"
#include "common/error.h"
#include "dist/comm.h"
#include "fabric/partitioned_collective.h"

namespace npulab::fabric {
namespace {

arch::ChipSystem sys(const char* name) {
  return arch::load_chip_system(name, arch::ChipSearchPath::from_list(std::string(NPULAB_SOURCE_DIR) + "/hw", "test"));
}

TEST(PartitionedCollective, OneProcessEqualsTimeScheduleAndExecute) {
  const Topology topo(sys("trn2.48xlarge"));
  auto comm = dist::make_single_comm();
  for (const char* model : {"flow", "ideal"})
    for (CollKind kind : {CollKind::AllReduce, CollKind::AllGather, CollKind::AllToAll})
      for (Algo algo : {Algo::Ring, Algo::Mesh, Algo::Direct}) {
        if ((algo == Algo::Direct) != (kind == CollKind::AllToAll)) continue;
        const auto net = make_network(model, topo);
        CollectiveSpec spec;
        spec.kind = kind;
        spec.group = default_group(topo, 16);
        spec.count = 1000;
        spec.algo = algo;
        const Schedule s = build_schedule(topo, spec);
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> u(-1, 1);
        std::vector<std::vector<uint8_t>> a(s.ranks);
        for (auto& b : a) {
          std::vector<float> v(s.buffer_elems);
          for (float& x : v) x = u(rng);
          b.resize(v.size() * 4);
          convert_from_f32(DType::F32, v.data(), b.data(), v.size());
        }
        auto b = a;
        const CollectiveTiming want = time_schedule(s, *net, spec.group, 4);
        execute(s, DType::F32, ReduceOp::Add, a);
        const PartitionedRun got = run_partitioned(s, *net, spec.group, 4, *comm, DType::F32, ReduceOp::Add, &b);
        SCOPED_TRACE(std::string(model) + " " + s.description);
        EXPECT_EQ(got.timing.total_ns, want.total_ns);
        EXPECT_EQ(got.timing.step_end_ns, want.step_end_ns);
        EXPECT_EQ(got.timing.bytes_per_rank_max, want.bytes_per_rank_max);
        EXPECT_EQ(got.remote_events, 0u);  // one process: nothing crosses
        EXPECT_EQ(got.windows, s.steps.size());  // and one window per step
        EXPECT_EQ(a, b);
        // Timing alone gives the same time.
        EXPECT_EQ(run_partitioned(s, *net, spec.group, 4, *comm, DType::F32, ReduceOp::Add, nullptr).timing.total_ns,
                  want.total_ns);
      }
}

TEST(PartitionedCollective, LookaheadIsTheSmallestCrossRankRouteLatency) {
  const Topology topo(sys("trn2.48xlarge"));
  auto comm = dist::make_single_comm();
  const auto group = default_group(topo, 16);
  const RankOwnership own(16, *comm);
  EXPECT_TRUE(std::isinf(cross_rank_lookahead_ns(topo, group, own)));  // one process holds every chip
  EXPECT_THROW(RankOwnership(0, *comm), Error);  // more processes than chips
}

}  // namespace
}  // namespace npulab::fabric
