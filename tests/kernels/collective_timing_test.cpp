// Timing of the chip's collectives (timing-only runs of ChipBuilder programs): the time
// grows with the message; it never beats its bounds (start cost and hop latencies plus
// the bytes at the rings' DMA bandwidth, the chip's HBM bandwidth); a concurrent compute
// DMA stream sharing HBM slows both, as the shared bandwidth model says.
#include <gtest/gtest.h>

#include <bit>

#include "kernels/chip_builder.h"
#include "sim/collective/plan.h"
#include "test_util.h"

namespace npulab::kernels {
namespace {

using test::trn2;

// One all_reduce (or all_gather) of `bytes` f32 per rank on `n` cores, with an optional
// compute load stream: each core first loads `load_mib` MiB from HBM into SBUF tiles.
isa::Executable program(uint32_t n, uint64_t bytes, bool gather = false, uint32_t load_mib = 0) {
  ChipBuilder cb(trn2(), "coll", n);
  const uint64_t elems = bytes / 4;
  auto X = cb.private_input("x", DType::F32, {1, elems});
  auto Y = cb.private_output("y", DType::F32, {1, gather ? elems * n : elems});
  auto W = cb.private_input("w", DType::F32, {128, 8192});  // 4 MiB
  cb.spmd([&](Builder& b, uint32_t r) {
    if (load_mib) {
      Tile t[2] = {b.sbuf("t0", DType::F32, 128, {8192 / 4}), b.sbuf("t1", DType::F32, 128, {8192 / 4})};
      for (uint32_t k = 0; k < load_mib; ++k) b.load(t[k % 2], W[r].view(0, 128, (k % 4) * 2048, 2048));
    }
    const auto src = X[r].view(0, 1, 0, uint32_t(elems));
    if (gather) b.all_gather(Y[r].view(0, 1, 0, uint32_t(elems * n)), src);
    else b.all_reduce(Y[r].view(0, 1, 0, uint32_t(elems)), src);
  });
  return cb.finish();
}

double time_of(const isa::Executable& exe) { return test::run_timing(exe).total_ns; }

// The busy time of core c's SP stream (the collective, from issue to completion).
double collective_ns(const sim::SimResult& r, uint32_t core = 0) {
  for (const auto& s : r.streams)
    if (s.core == core && s.stream == uint32_t(isa::Stream::SP)) return s.busy_ns;
  return -1;
}

TEST(CollectiveTiming, MonotoneInSizeAcrossTheAlgorithms) {
  const auto& cc = trn2().collectives;
  for (uint32_t n : {2u, 3u, 8u}) {
    double prev = 0;
    std::vector<uint64_t> sizes;
    for (uint64_t b = 4; b <= (uint64_t(64) << 20); b *= 2) sizes.push_back(b);
    for (uint64_t edge : {cc.mesh_max_bytes, cc.rdh_max_bytes})
      for (int64_t d : {-8, -4, 0, 4, 8}) sizes.push_back(uint64_t(int64_t(edge) + d));
    std::sort(sizes.begin(), sizes.end());
    for (uint64_t b : sizes) {
      const double t = time_of(program(n, b));
      EXPECT_GE(t, prev) << n << " ranks, " << b << " bytes";
      prev = t;
    }
  }
}

TEST(CollectiveTiming, NeverBelowLatencyRingAndHbmBounds) {
  const auto& chip = trn2();
  for (uint32_t n : {2u, 4u, 7u, 8u})
    for (uint64_t b : {uint64_t(4096), uint64_t(3) << 20, uint64_t(96) << 20}) {
      const sim::CollectivePlan plan = sim::plan_collective(chip, sim::CollectiveKind::AllReduce, n, b, 4);
      const auto r = test::run_timing(program(n, b));
      const double t = collective_ns(r);
      // Latency: the start cost and one hop per step.
      const double latency = chip.collectives.start_ns + double(plan.steps.size()) * chip.collectives.hop_latency_ns;
      // Rings: each rank moves its bytes over `rings` DMA engines of its core.
      const double ring_bw = double(plan.rings) * chip.dma.bytes_per_ns_per_engine;
      const double ring_bound = latency + double(plan.bytes_per_rank()) / ring_bw;
      // HBM: every rank's reads and writes through the chip's HBM.
      const double hbm_bound = double(n) * double(plan.hbm_bytes_per_rank()) / chip.hbm.bandwidth_gbps;
      EXPECT_GE(t, ring_bound - 1e-3) << n << " " << b;
      EXPECT_GE(t, hbm_bound) << n << " " << b;
      // Alone on the chip it reaches the ring bound (the per-step pieces add descriptor time).
      EXPECT_LE(t, 1.02 * sim::collective_uncontended_ns(chip, plan) + 1e-3) << n << " " << b;
      // nccom-test's bus bandwidth never exceeds the rings' bandwidth.
      const double busbw = double(b) / t * sim::bus_factor(sim::CollectiveKind::AllReduce, n);
      EXPECT_LE(busbw, ring_bw) << n << " " << b;
      // Every rank completes at the same time, when the last step ends.
      for (uint32_t c = 1; c < n; ++c) EXPECT_EQ(collective_ns(r, c), t);
    }
}

TEST(CollectiveTiming, AlgorithmFollowsTheSweetRanges) {
  const auto& chip = trn2();
  using sim::CollectiveAlgo;
  auto algo = [&](uint32_t n, uint64_t b) {
    return sim::plan_collective(chip, sim::CollectiveKind::AllReduce, n, b, 4).algo;
  };
  EXPECT_EQ(algo(8, 4096), CollectiveAlgo::Mesh);
  EXPECT_EQ(algo(8, chip.collectives.mesh_max_bytes), CollectiveAlgo::Mesh);
  EXPECT_EQ(algo(8, chip.collectives.mesh_max_bytes + 4), CollectiveAlgo::Rdh);
  EXPECT_EQ(algo(6, chip.collectives.mesh_max_bytes + 4), CollectiveAlgo::Ring);  // not a power of two
  EXPECT_EQ(algo(8, chip.collectives.rdh_max_bytes + 4), CollectiveAlgo::Ring);
  // Mesh: 2 steps, RDH 2 log2 n, ring 2 (n - 1); the same bytes per rank, 2 (n-1)/n of the message.
  EXPECT_EQ(sim::plan_collective(chip, sim::CollectiveKind::AllReduce, 8, 4096, 4).steps.size(), 2u);
  EXPECT_EQ(sim::plan_collective(chip, sim::CollectiveKind::AllReduce, 8, 4 << 20, 4).steps.size(), 6u);
  EXPECT_EQ(sim::plan_collective(chip, sim::CollectiveKind::AllReduce, 8, 64 << 20, 4).steps.size(), 14u);
  for (uint64_t b : {uint64_t(4096), uint64_t(4) << 20, uint64_t(64) << 20})
    EXPECT_EQ(sim::plan_collective(chip, sim::CollectiveKind::AllReduce, 8, b, 4).bytes_per_rank(), 2 * b * 7 / 8);
}

TEST(CollectiveTiming, SharingHbmWithComputeDmaSlowsBoth) {
  const uint32_t n = 8, load_mib = 24;
  const uint64_t bytes = uint64_t(4) << 20;
  const auto& chip = trn2();
  const auto alone = test::run_timing(program(n, bytes));
  const auto both = test::run_timing(program(n, bytes, false, load_mib));
  // The loads alone: every core streams load_mib MiB from HBM over all its DMA engines,
  // HBM-bound (8 cores x 16 engines x 23 B/ns > 2.9 TB/s).
  ChipBuilder cb(trn2(), "loads", n);
  auto W = cb.private_input("w", DType::F32, {128, 8192});
  cb.spmd([&](Builder& b, uint32_t r) {
    Tile t[2] = {b.sbuf("t0", DType::F32, 128, {2048}), b.sbuf("t1", DType::F32, 128, {2048})};
    for (uint32_t k = 0; k < load_mib; ++k) b.load(t[k % 2], W[r].view(0, 128, (k % 4) * 2048, 2048));
  });
  const auto loads = test::run_timing(cb.finish());
  const double coll_alone = collective_ns(alone), coll_shared = collective_ns(both);
  // The collective waits for nothing but shares: it takes longer than alone ...
  EXPECT_GT(coll_shared, 1.05 * coll_alone);
  // ... and so do the loads (the program ends later than the loads alone or the
  // collective alone would).
  EXPECT_GT(both.total_ns, loads.total_ns * 1.02);
  EXPECT_GT(both.total_ns, coll_alone);
  // Never faster than all their HBM bytes at the chip's HBM bandwidth.
  EXPECT_GE(both.total_ns, (both.hbm_bytes_read + both.hbm_bytes_written) / chip.hbm.bandwidth_gbps);
  EXPECT_EQ(both.hbm_bytes_read + both.hbm_bytes_written,
            alone.hbm_bytes_read + alone.hbm_bytes_written + loads.hbm_bytes_read + loads.hbm_bytes_written);
}

}  // namespace
}  // namespace npulab::kernels
