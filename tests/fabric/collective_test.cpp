// Collectives across chips (fabric/collective.h): every kind and algorithm against a plain
// reference on 2..16, 64 and 144 chips with odd sizes (integer-valued data, where every order
// of the sums is exact), the documented reduction orders bit for bit on random FP32 and BF16
// data, and the time's properties (monotone in size, never below the bandwidth bound,
// contention slowing shared links, the chooser's picks).
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "arch/chip_system.h"
#include "common/error.h"
#include "fabric/collective.h"

namespace npulab::fabric {
namespace {

arch::ChipSystem sys(const char* name) {
  return arch::load_chip_system(name, arch::ChipSearchPath::from_list(std::string(NPULAB_SOURCE_DIR) + "/hw", "test"));
}

std::vector<uint8_t> encode(DType dt, const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * dtype_size(dt));
  convert_from_f32(dt, v.data(), b.data(), v.size());
  return b;
}
std::vector<float> decode(DType dt, const std::vector<uint8_t>& b) {
  std::vector<float> v(b.size() / dtype_size(dt));
  convert_to_f32(dt, b.data(), v.data(), v.size());
  return v;
}

// The permutation the permute cases use: r -> (5r + 3) mod n where that is one (gcd(5, n) =
// 1), else a rotation.
std::vector<uint32_t> test_perm(uint32_t n) {
  std::vector<uint32_t> p(n);
  std::vector<char> seen(n, 0);
  bool ok = true;
  for (uint32_t r = 0; r < n; ++r) {
    p[r] = (r * 5 + 3) % n;
    ok = ok && !seen[p[r]]++;
  }
  if (!ok)
    for (uint32_t r = 0; r < n; ++r) p[r] = (r + 1) % n;
  return p;
}

// Runs the collective on buffers laid out as fabric/collective.h says and returns each
// rank's result region.

std::vector<std::vector<float>> run(const Topology& topo, CollKind kind, uint32_t n, uint64_t count, Algo algo, DType dt,
                                    const std::vector<std::vector<float>>& x, Schedule* out = nullptr) {
  CollectiveSpec spec;
  spec.kind = kind;
  spec.group = default_group(topo, n);
  spec.count = count;
  spec.elem_bytes = uint32_t(dtype_size(dt));
  spec.algo = algo;
  spec.perm = test_perm(n);
  spec.src = n - 1;
  spec.dst = 0;
  const Schedule s = build_schedule(topo, spec);
  std::vector<std::vector<uint8_t>> buf(n);
  for (uint32_t r = 0; r < n; ++r) {
    std::vector<float> b(s.buffer_elems, 0.0f);
    if (kind == CollKind::AllGather) std::copy(x[r].begin(), x[r].end(), b.begin() + r * count);
    else std::copy(x[r].begin(), x[r].end(), b.begin());
    buf[r] = encode(dt, b);
  }
  execute(s, dt, ReduceOp::Add, buf);
  std::vector<std::vector<float>> got(n);
  for (uint32_t r = 0; r < n; ++r) {
    const auto all = decode(dt, buf[r]);
    switch (kind) {
      case CollKind::AllReduce: case CollKind::AllGather: got[r] = all; break;
      case CollKind::ReduceScatter: got[r].assign(all.begin() + r * count, all.begin() + (r + 1) * count); break;
      case CollKind::AllToAll: got[r].assign(all.begin() + n * count, all.end()); break;
      case CollKind::Permute: case CollKind::SendRecv: got[r].assign(all.begin() + count, all.end()); break;
    }
  }
  if (out) *out = s;
  return got;
}

// The plain reference: sums in ascending rank order, moves as the kind defines them.
std::vector<std::vector<float>> reference(CollKind kind, uint32_t n, uint64_t count, const std::vector<std::vector<float>>& x,
                                          const std::vector<uint32_t>& perm, uint32_t src, uint32_t dst) {
  std::vector<std::vector<float>> want(n);
  std::vector<float> sum(x[0].size(), 0.0f);
  for (uint32_t r = 0; r < n; ++r)
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += x[r][i];
  for (uint32_t r = 0; r < n; ++r) {
    switch (kind) {
      case CollKind::AllReduce: want[r] = sum; break;
      case CollKind::ReduceScatter: want[r].assign(sum.begin() + r * count, sum.begin() + (r + 1) * count); break;
      case CollKind::AllGather:
        for (uint32_t j = 0; j < n; ++j) want[r].insert(want[r].end(), x[j].begin(), x[j].end());
        break;
      case CollKind::AllToAll:
        for (uint32_t j = 0; j < n; ++j) want[r].insert(want[r].end(), x[j].begin() + r * count, x[j].begin() + (r + 1) * count);
        break;
      case CollKind::Permute:
        for (uint32_t j = 0; j < n; ++j)
          if (perm[j] == r) want[r] = x[j];
        break;
      case CollKind::SendRecv: want[r] = r == dst ? x[src] : std::vector<float>(count, 0.0f); break;
    }
  }
  return want;
}

uint64_t input_elems(CollKind kind, uint32_t n, uint64_t count) {
  return kind == CollKind::ReduceScatter || kind == CollKind::AllToAll ? n * count : count;
}

std::vector<Algo> algos_for(const Topology& topo, CollKind kind, uint32_t n) {
  if (kind == CollKind::AllToAll || kind == CollKind::Permute || kind == CollKind::SendRecv) return {Algo::Auto, Algo::Direct};
  std::vector<Algo> a{Algo::Auto, Algo::Ring, Algo::Mesh};
  if (n && !(n & (n - 1))) a.push_back(Algo::Rdh);
  if (n == topo.system().chips_per_server && topo.system().in_server.kind == arch::TopologyKind::Torus2D) a.push_back(Algo::Ring2D);
  if (n > topo.system().chips_per_server && n % topo.system().chips_per_server == 0) a.push_back(Algo::Hierarchical);
  return a;
}

TEST(Collectives, EveryKindAndAlgorithmMatchesThePlainReference) {
  struct Sys {
    const char* name;
    std::vector<uint32_t> sizes;
  } systems[] = {{"trn2.48xlarge", {2, 3, 4, 5, 7, 8, 16}},
                 {"inf2.48xlarge", {2, 6, 12}},
                 {"trn2-ultraserver", {32, 64}},
                 {"trn3-ultraserver", {144}}};
  const CollKind kinds[] = {CollKind::AllReduce, CollKind::ReduceScatter, CollKind::AllGather,
                            CollKind::AllToAll,  CollKind::Permute,       CollKind::SendRecv};
  std::mt19937 rng(1);
  int cases = 0;
  for (const auto& sy : systems) {
    const Topology topo(sys(sy.name));
    for (uint32_t n : sy.sizes)
      for (CollKind kind : kinds)
        for (Algo algo : algos_for(topo, kind, n))
          for (uint64_t count : {uint64_t(1), uint64_t(7), uint64_t(n * 3 + 1)})
            for (DType dt : {DType::F32, DType::BF16}) {
              if (n >= 64 && count > 1 && dt == DType::BF16) continue;  // keep the 64/144-chip cases quick
              std::vector<std::vector<float>> x(n);
              for (auto& v : x)
                for (uint64_t i = 0; i < input_elems(kind, n, count); ++i) v.push_back(float(int(rng() % 7) - 3));
              Schedule s;
              const auto got = run(topo, kind, n, count, algo, dt, x, &s);
              const auto want = reference(kind, n, count, x, test_perm(n), n - 1, 0);
              for (uint32_t r = 0; r < n; ++r)
                ASSERT_EQ(got[r], want[r]) << sy.name << " " << coll_kind_name(kind) << " " << s.description << " n=" << n
                                           << " count=" << count << " " << dtype_name(dt) << " rank " << r;
              ++cases;
            }
  }
  EXPECT_GT(cases, 500);
}

// The documented orders (docs/SYSTEMS.md, "Algorithms"), written from the text: ring
// segment j is reduced starting at rank j+1, mesh segment j at rank j then the others
// ascending; each partial result rounded to the dtype (RNE).
TEST(Collectives, RingAndMeshReduceInTheDocumentedOrder) {
  const Topology topo(sys("inf2.48xlarge"));
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (DType dt : {DType::F32, DType::BF16})
    for (Algo algo : {Algo::Ring, Algo::Mesh})
      for (uint32_t n : {3u, 5u, 12u}) {
        const uint64_t count = 3 * n + 2;  // uneven segments
        std::vector<std::vector<float>> x(n);
        for (auto& v : x)
          for (uint64_t i = 0; i < count; ++i) v.push_back(round_to(dt, u(rng)));
        const auto got = run(topo, CollKind::AllReduce, n, count, algo, dt, x);
        const uint64_t base = count / n, rem = count % n;
        uint64_t at = 0;
        for (uint32_t j = 0; j < n; ++j) {
          const uint64_t len = base + (j < rem);
          for (uint64_t i = at; i < at + len; ++i) {
            float acc;
            if (algo == Algo::Ring) {
              acc = x[(j + 1) % n][i];
              for (uint32_t k = 2; k <= n; ++k) acc = round_to(dt, acc + x[(j + k) % n][i]);
            } else {
              acc = x[j][i];
              for (uint32_t k = 0; k < n; ++k)
                if (k != j) acc = round_to(dt, acc + x[k][i]);
            }
            for (uint32_t r = 0; r < n; ++r)
              ASSERT_EQ(got[r][i], acc) << algo_name(algo) << " " << dtype_name(dt) << " n=" << n << " elem " << i;
          }
          at += len;
        }
      }
}

double ar_time(const Network& net, uint32_t n, uint64_t bytes, Algo algo = Algo::Auto) {
  return collective_time_ns(net, CollKind::AllReduce, default_group(net.topology(), n), bytes, 4, algo);
}

TEST(CollectiveTime, GrowsWithTheMessageAndNeverBeatsTheBandwidth) {
  for (const char* name : {"trn2.48xlarge", "trn2-ultraserver", "inf2.48xlarge", "trn3-ultraserver", "trn1.32xlarge"}) {
    const Topology topo(sys(name));
    const auto net = make_network("flow", topo);
    const uint32_t n = topo.chips();
    double prev = 0;
    for (uint64_t bytes = 1024; bytes <= (64u << 20); bytes *= 4) {
      const double t = ar_time(*net, n, bytes);
      EXPECT_GE(t, prev) << name << " " << bytes;
      prev = t;
      // Each chip sends 2(n-1)/n of the message through its collective DMA (and receives as
      // much): never faster than that, nor than the fixed costs.
      const double bound = topo.system().collectives.start_ns + 2.0 * (n - 1) / n * double(bytes) / topo.chip_dma_gbps();
      EXPECT_GE(t, bound) << name << " " << bytes;
    }
  }
}

TEST(CollectiveTime, ContentionSlowsSharedLinks) {
  const Topology topo(sys("trn2.48xlarge"));
  const auto flow = make_network("flow", topo), ideal = make_network("ideal", topo);
  const auto group = default_group(topo, 16);
  // A ring's flows share no link: the two models agree. All-to-all on a torus shares them.
  const uint64_t big = 64u << 20;
  EXPECT_NEAR(collective_time_ns(*flow, CollKind::AllReduce, default_group(topo, 4), big, 4, Algo::Ring),
              collective_time_ns(*ideal, CollKind::AllReduce, default_group(topo, 4), big, 4, Algo::Ring), 1e-6 * big);
  EXPECT_GT(collective_time_ns(*flow, CollKind::AllToAll, group, big, 4),
            1.5 * collective_time_ns(*ideal, CollKind::AllToAll, group, big, 4));
  // On a switch (Trn3) each chip has its own port: all-to-all is as fast as the ports allow.
  const Topology sw(sys("trn3-ultraserver-gen1"));
  const auto swnet = make_network("flow", sw);
  const double t = collective_time_ns(*swnet, CollKind::AllToAll, default_group(sw, 16), big, 4);
  const double port_bound = 15.0 / 16 * big / 256.0;
  EXPECT_GE(t, port_bound);
  EXPECT_LT(t, 1.1 * port_bound + 20000);
}

TEST(CollectiveTime, PairwiseSendsArePipelineHandOffs) {
  const Topology topo(sys("trn2.48xlarge"));
  const auto net = make_network("flow", topo);
  const uint64_t bytes = 8u << 20;
  // One pair is a send-recv.
  EXPECT_DOUBLE_EQ(pairwise_send_ns(*net, {0}, {4}, bytes, 2),
                   collective_time_ns(*net, CollKind::SendRecv, {0, 4}, bytes, 2));
  // Pairs of the first 8 chips' to the last 8's (two 8-chip stages): at least one pair's
  // time, more where their routes share links; bounded below by each chip's collective DMA.
  std::vector<uint32_t> a, b;
  for (uint32_t i = 0; i < 8; ++i) a.push_back(i), b.push_back(8 + i);
  const double t8 = pairwise_send_ns(*net, a, b, bytes, 2), t1 = pairwise_send_ns(*net, {0}, {8}, bytes, 2);
  EXPECT_GE(t8, t1);
  EXPECT_GE(t1, topo.system().collectives.start_ns + double(bytes) / topo.chip_dma_gbps());
  EXPECT_THROW(pairwise_send_ns(*net, {0, 1}, {2}, bytes, 2), Error);
  EXPECT_THROW(pairwise_send_ns(*net, {0}, {1}, 1, 2), Error);
}

TEST(CollectiveTime, ChooserFollowsSizeAndTopology) {
  auto pick = [](const char* name, uint32_t n, uint64_t bytes, CollKind kind = CollKind::AllReduce) {
    const Topology topo(sys(name));
    CollectiveSpec s;
    s.kind = kind;
    s.group = default_group(topo, n);
    s.count = bytes / 4;
    return choose_algorithm(topo, s);
  };
  EXPECT_EQ(pick("trn2.48xlarge", 16, 1 << 10), Algo::Mesh);
  EXPECT_EQ(pick("trn2.48xlarge", 16, 8 << 20), Algo::Rdh);
  EXPECT_EQ(pick("trn2.48xlarge", 16, 512 << 20), Algo::Ring2D);
  EXPECT_EQ(pick("trn2.48xlarge", 12, 512 << 20), Algo::Ring);
  EXPECT_EQ(pick("inf2.48xlarge", 12, 8 << 20), Algo::Ring);  // 12 is no power of two
  EXPECT_EQ(pick("trn3-ultraserver-gen1", 16, 512 << 20), Algo::Mesh);
  EXPECT_EQ(pick("trn2-ultraserver", 64, 1 << 20), Algo::Hierarchical);
  EXPECT_EQ(pick("trn2.48xlarge", 16, 1 << 20, CollKind::AllToAll), Algo::Direct);
}

TEST(CollectiveTime, CoresPerChipAddTheChipsOwnPhase) {
  const Topology topo(sys("trn2.48xlarge"));
  const auto net = make_network("flow", topo);
  const auto g = default_group(topo, 16);
  const double chips = collective_time_ns(*net, CollKind::AllReduce, g, 1 << 20, 4);
  const double cores = collective_time_ns(*net, CollKind::AllReduce, g, 1 << 20, 4, Algo::Auto, 4);
  EXPECT_GT(cores, chips + 2 * topo.system().chip.collectives.start_ns);
  EXPECT_THROW(collective_time_ns(*net, CollKind::AllReduce, g, 1 << 20, 4, Algo::Auto, 9), Error);
  EXPECT_DOUBLE_EQ(collective_time_ns(*net, CollKind::AllReduce, {3}, 1 << 20, 4), 0.0);  // one chip: nothing moves
}

TEST(CollectiveTime, AlgorithmsThatDoNotApplyAreRefused) {
  const Topology topo(sys("trn2.48xlarge"));
  auto build = [&](CollKind kind, uint32_t n, Algo a) {
    CollectiveSpec s;
    s.kind = kind;
    s.group = default_group(topo, n);
    s.count = 64;
    s.algo = a;
    return build_schedule(topo, s);
  };
  auto expect = [](const std::function<void()>& f, const std::string& part) {
    try {
      f();
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expect([&] { build(CollKind::AllReduce, 12, Algo::Rdh); }, "recursive halving/doubling needs a power-of-two group, got 12");
  expect([&] { build(CollKind::AllReduce, 8, Algo::Ring2D); }, "ring2d needs the group to be one whole 2D-torus server");
  expect([&] { build(CollKind::AllReduce, 16, Algo::Hierarchical); }, "hierarchical needs the group in blocks of one server");
  expect([&] { build(CollKind::AllReduce, 16, Algo::Direct); }, "direct is for all-to-all");
  expect([&] { build(CollKind::AllToAll, 16, Algo::Ring); }, "expected direct");
}

}  // namespace
}  // namespace npulab::fabric
