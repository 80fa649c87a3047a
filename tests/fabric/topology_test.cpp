// The fabric's graph and routes (fabric/topology.h) and its link models (fabric/network.h):
// routes follow the documented rules, per-chip and bisection bandwidths follow from the
// system files, flows sharing a link share it max-min fairly, deterministically.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "arch/chip_system.h"
#include "common/error.h"
#include "fabric/network.h"

namespace npulab::fabric {
namespace {

arch::ChipSystem sys(const char* name) {
  return arch::load_chip_system(name, arch::ChipSearchPath::from_list(std::string(NPULAB_SOURCE_DIR) + "/hw", "test"));
}

size_t hops(const Topology& t, uint32_t a, uint32_t b) { return t.route(a, b).size() - 2; }  // minus tx and rx

TEST(Topology, TorusRoutesAreDimensionOrderShortest) {
  const Topology t(sys("trn2.48xlarge"));
  EXPECT_EQ(t.chips(), 16u);
  EXPECT_EQ(hops(t, 0, 1), 1u);
  EXPECT_EQ(hops(t, 0, 3), 1u);   // the wrap-around link
  EXPECT_EQ(hops(t, 0, 2), 2u);
  EXPECT_EQ(hops(t, 0, 5), 2u);   // x then y
  EXPECT_EQ(hops(t, 0, 10), 4u);  // the farthest chip of a 4x4 torus
  const auto r = t.route(0, 5);
  EXPECT_EQ(t.links()[r[1]].name, "c0->c1");
  EXPECT_EQ(t.links()[r[2]].name, "c1->c5");
  EXPECT_EQ(t.route(3, 3).size(), 1u);  // a local copy: the chip's DMA only
  EXPECT_DOUBLE_EQ(t.chip_dma_gbps(), 16 * 23.0);  // hw/trn2.toml: 16 CC-cores x 23 B/ns
  EXPECT_DOUBLE_EQ(t.link_gbps_per_chip(), 1024.0);
  EXPECT_DOUBLE_EQ(t.bisection_gbps(), 8 * 256.0);
  EXPECT_EQ(t.fabric_links_per_system(), 64u);
  EXPECT_THROW(t.route(0, 16), Error);
}

TEST(Topology, UltraServerRingsJoinSamePositions) {
  const Topology t(sys("trn2-ultraserver"));
  EXPECT_EQ(t.chips(), 64u);
  EXPECT_EQ(t.common_tier(0, 16), Tier::AcrossServers);
  EXPECT_EQ(hops(t, 0, 16), 1u);
  EXPECT_EQ(hops(t, 0, 48), 1u);  // the ring's other direction
  EXPECT_EQ(hops(t, 0, 32), 2u);
  EXPECT_EQ(hops(t, 1, 16), 2u);  // to position 0 in server 0 first, then the ring
  EXPECT_DOUBLE_EQ(t.link_gbps_per_chip(), 1280.0);  // the published NeuronLink-v3 1.28 TB/s per chip
  EXPECT_DOUBLE_EQ(t.bisection_gbps(), 2 * 16 * 128.0);
}

TEST(Topology, SwitchesAndEfa) {
  const Topology g2(sys("trn3-ultraserver"));
  EXPECT_EQ(g2.chips(), 144u);
  EXPECT_EQ(hops(g2, 0, 3), 2u);
  EXPECT_EQ(g2.common_tier(0, 4), Tier::AcrossServers);
  EXPECT_EQ(g2.common_tier(0, 72), Tier::AcrossRacks);
  EXPECT_DOUBLE_EQ(g2.links()[g2.route(0, 72)[1]].gbps, 128.0);
  EXPECT_DOUBLE_EQ(g2.bisection_gbps(), 72 * 128.0);
  const Topology two(sys("trn2.48xlarge"), 2);
  EXPECT_EQ(two.chips(), 32u);
  EXPECT_EQ(two.common_tier(0, 16), Tier::Efa);
  EXPECT_DOUBLE_EQ(two.route_latency_ns(0, 16), 15000.0);  // [COLL] 15 us HBM to HBM
  EXPECT_THROW(Topology(sys("trn2.48xlarge"), 0), Error);
}

TEST(Network, OneFlowRunsAtItsNarrowestLink) {
  const Topology t(sys("trn2.48xlarge"));
  for (const std::string& name : network_names()) {
    const auto net = make_network(name, t);
    const auto f = net->run({{0, 1, 256e3, 100}});
    EXPECT_DOUBLE_EQ(f[0], 100 + 256e3 / 256.0 + 200) << name;  // the link (256 GB/s < 368 DMA) and one hop
  }
  EXPECT_THROW(make_network("packet", t), Error);
}

TEST(Network, FlowsSharingALinkShareItFairly) {
  const Topology t(sys("trn2.48xlarge"));
  const auto flow = make_network("flow", t), ideal = make_network("ideal", t);
  // 0->2 (via 1) and 1->2 share the link c1->c2: each gets half.
  const std::vector<Flow> both{{0, 2, 1e6, 0}, {1, 2, 1e6, 0}};
  const auto f = flow->run(both), i = ideal->run(both);
  EXPECT_NEAR(f[1], 1e6 / 128.0 + 200, 1e-6);
  EXPECT_NEAR(f[0], 1e6 / 128.0 + 400, 1e-6);
  EXPECT_NEAR(i[1], 1e6 / 256.0 + 200, 1e-6);
  // Max-min, not equal shares: 0->4 shares only chip 0's tx DMA (368 GB/s) with 0->2, which
  // c1->c2 holds at 128; it gets the 240 left (an equal share would be 184).
  const auto g = flow->run({{0, 2, 1e6, 0}, {1, 2, 1e6, 0}, {0, 4, 1e6, 0}});
  EXPECT_NEAR(g[2], 1e6 / 240.0 + 200, 1e-6);
  // Three flows into chip 2 over three links: its rx DMA is the bottleneck, a third each.
  const auto k = flow->run({{0, 2, 1e6, 0}, {1, 2, 1e6, 0}, {3, 2, 1e6, 0}});
  EXPECT_NEAR(k[2], 1e6 / (368.0 / 3) + 200, 1e-6);
  // When one ends the others speed up; a later flow waits for nothing but bandwidth.
  const auto h = flow->run({{0, 1, 1e6, 0}, {0, 1, 3e6, 0}});
  EXPECT_NEAR(h[0], 1e6 / 128.0 + 200, 1e-6);
  EXPECT_NEAR(h[1], 1e6 / 128.0 + 2e6 / 256.0 + 200, 1e-6);
}

TEST(Network, ResultsDoNotDependOnFlowOrder) {
  const Topology t(sys("trn2-ultraserver"));
  const auto net = make_network("flow", t);
  std::vector<Flow> flows;
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) flows.push_back({uint32_t(rng() % 64), uint32_t(rng() % 64), double(1 + rng() % 100000), double(rng() % 5000)});
  const auto base = net->run(flows);
  std::vector<size_t> order(flows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<Flow> shuffled;
  for (size_t i : order) shuffled.push_back(flows[i]);
  const auto again = net->run(shuffled);
  const auto ideal = make_network("ideal", t)->run(flows);
  for (size_t k = 0; k < order.size(); ++k) {
    EXPECT_NEAR(again[k], base[order[k]], 1e-6 * base[order[k]]);
    EXPECT_GE(base[order[k]], ideal[order[k]] * (1 - 1e-12));  // contention never speeds a flow up
  }
}

}  // namespace
}  // namespace npulab::fabric
