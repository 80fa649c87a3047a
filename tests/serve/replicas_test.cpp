// Data-parallel replicas in the engine (serve/engine.h, serve/router.h): the routing policies
// are deterministic; one replica is the single engine as it was before replicas (pinned
// figures); N replicas at N times the load serve each request exactly as one replica serves
// the 1x load; the merged metrics are one engine's metrics over all requests.
#include <gtest/gtest.h>

#include <random>

#include "common/error.h"
#include "serve/cost.h"
#include "serve/engine.h"
#include "serve/metrics.h"
#include "serve/router.h"
#include "serve_test_util.h"

namespace npulab::serve {
namespace {

using test::LinearModel;
using test::make_request;
using test::small_config;

TEST(Router, RoundRobinCyclesWhateverTheLoad) {
  Router r(Routing::RoundRobin, 3);
  const std::vector<int64_t> load{5, 0, 9};
  std::vector<size_t> got;
  for (int i = 0; i < 7; ++i) got.push_back(r.pick(load));
  EXPECT_EQ(got, (std::vector<size_t>{0, 1, 2, 0, 1, 2, 0}));
}

TEST(Router, LeastOutstandingTakesTheFewestTiesToTheLowestIndex) {
  Router r(Routing::LeastOutstanding, 4);
  EXPECT_EQ(r.pick(std::vector<int64_t>{2, 1, 1, 3}), 1u);
  EXPECT_EQ(r.pick(std::vector<int64_t>{0, 0, 0, 0}), 0u);
  EXPECT_EQ(r.pick(std::vector<int64_t>{4, 3, 2, 2}), 2u);
  EXPECT_EQ(parse_routing("round-robin", "--routing"), Routing::RoundRobin);
  EXPECT_EQ(parse_routing("least-outstanding", "--routing"), Routing::LeastOutstanding);
  try {
    parse_routing("random", "--routing");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--routing 'random': expected least-outstanding or round-robin"),
              std::string::npos);
  }
}

// 60 requests of random lengths, arrivals and shared prefixes on a small cache (preemptions
// and prefix hits happen), as the engine's randomized test draws them.
std::vector<Request> random_requests(uint64_t seed, int n = 60) {
  std::mt19937_64 rng(seed);
  std::vector<Request> reqs;
  for (int i = 0; i < n; ++i) {
    const int64_t len = 1 + int64_t(rng() % 200), out = 1 + int64_t(rng() % 40);
    reqs.push_back(make_request(i, len, out, double(rng() % 1000) * 1e-4, int64_t(rng() % 3) * 48));
  }
  return reqs;
}

EngineRun run_replicas(const EngineOptions& o, std::span<const Request> reqs, int replicas, LinearModel& m) {
  std::vector<std::unique_ptr<TimingBackend>> be;
  std::vector<StepBackend*> ptrs;
  for (int i = 0; i < replicas; ++i) {
    be.push_back(std::make_unique<TimingBackend>(m));
    ptrs.push_back(be.back().get());
  }
  return run_engine(o, ptrs, reqs);
}

TEST(Replicas, OneReplicaIsTheEngineBeforeReplicas) {
  // Figures of the single engine at commit 5d997a9 (before replicas), on these workloads: the
  // replica loop with one replica must reproduce them (they moved by no bit).
  struct Pinned {
    uint64_t seed;
    size_t steps;
    int64_t preemptions, prefix_hits, max_in_flight;
    double send, first, finish, end;
  };
  const Pinned pinned[] = {
      {1, 539, 27, 3904, 8, 3.2824270000000002, 3.5506499999999996, 3.8301499999999979, 0.11786299999999954},
      {4, 524, 20, 4672, 15, 2.9951000000000003, 3.3507920000000007, 3.6295549999999981, 0.11163699999999972},
  };
  for (const Pinned& p : pinned) {
    const std::vector<Request> reqs = random_requests(p.seed);
    LinearModel m(2e5, 1e3);
    EngineOptions o;
    o.scheduler = small_config(24, 16, 96, 6);
    o.max_concurrency = int64_t(p.seed % 2) * 8;
    for (Routing routing : {Routing::LeastOutstanding, Routing::RoundRobin}) {
      o.routing = routing;
      const EngineRun run = run_replicas(o, reqs, 1, m);
      double send = 0, first = 0, finish = 0;
      for (const Sequence& s : run.seqs) send += s.send_s, first += s.first_token_s, finish += s.finish_s;
      EXPECT_EQ(run.steps.size(), p.steps) << p.seed;
      EXPECT_EQ(run.preemptions, p.preemptions) << p.seed;
      EXPECT_EQ(run.prefix.hit_tokens, p.prefix_hits) << p.seed;
      EXPECT_EQ(run.max_in_flight, p.max_in_flight) << p.seed;
      EXPECT_NEAR(send, p.send, 1e-12) << p.seed;
      EXPECT_NEAR(first, p.first, 1e-12) << p.seed;
      EXPECT_NEAR(finish, p.finish, 1e-12) << p.seed;
      EXPECT_NEAR(run.end_s, p.end, 1e-14) << p.seed;
    }
  }
}

TEST(Replicas, RoutingIsDeterministic) {
  const std::vector<Request> reqs = random_requests(7, 80);
  for (Routing routing : {Routing::LeastOutstanding, Routing::RoundRobin}) {
    EngineOptions o;
    o.scheduler = small_config(24, 16, 96, 6);
    o.routing = routing;
    LinearModel m1(2e5, 1e3), m2(2e5, 1e3);
    const EngineRun a = run_replicas(o, reqs, 3, m1), b = run_replicas(o, reqs, 3, m2);
    EXPECT_EQ(a.replica_of, b.replica_of);
    ASSERT_EQ(a.seqs.size(), b.seqs.size());
    for (size_t i = 0; i < a.seqs.size(); ++i) {
      EXPECT_EQ(a.seqs[i].first_token_s, b.seqs[i].first_token_s);
      EXPECT_EQ(a.seqs[i].finish_s, b.seqs[i].finish_s);
    }
    // Every replica got work, and each step is its replica's.
    std::vector<int64_t> per(3, 0);
    for (int32_t r : a.replica_of) ++per[size_t(r)];
    for (int64_t n : per) EXPECT_GT(n, 0);
    EXPECT_EQ(a.replicas, 3);
  }
}

TEST(Replicas, RoundRobinAssignsInSendOrder) {
  LinearModel m(1e6, 0);
  EngineOptions o;
  o.scheduler = small_config(64, 16, 64);
  o.routing = Routing::RoundRobin;
  std::vector<Request> reqs;
  for (int i = 0; i < 7; ++i) reqs.push_back(make_request(i, 10, 3, 0.001 * i));
  const EngineRun run = run_replicas(o, reqs, 3, m);
  EXPECT_EQ(run.replica_of, (std::vector<int32_t>{0, 1, 2, 0, 1, 2, 0}));
}

TEST(Replicas, LeastOutstandingSendsToTheIdleReplica) {
  // Replica 0 holds a long request; the next two go elsewhere, the fourth (after request 1
  // finished on replica 1) back to replica 1, the least loaded at that moment.
  LinearModel m(1e6, 0);  // 1 ms per step
  EngineOptions o;
  o.scheduler = small_config(64, 16, 64);
  std::vector<Request> reqs{make_request(0, 10, 50, 0), make_request(1, 10, 2, 0.0005), make_request(2, 10, 20, 0.0005),
                            make_request(3, 10, 2, 0.010)};
  const EngineRun run = run_replicas(o, reqs, 3, m);
  EXPECT_EQ(run.replica_of, (std::vector<int32_t>{0, 1, 2, 1}));
}

// N replicas given every request of a workload N times (N copies arriving together: N x the
// request rate) serve every copy exactly as one replica serves the workload: with identical
// replicas and arrivals both policies send copy j to replica j (round-robin by construction,
// least-outstanding because the replicas' loads stay equal, ties to the lowest index), and
// each replica's events are then the single engine's, at the same times.
TEST(Replicas, NReplicasAtNTimesTheLoadServeEachRequestAsOneReplica) {
  constexpr int N = 4;
  const std::vector<Request> one = random_requests(3, 40);
  std::vector<Request> many;
  for (const Request& r : one)
    for (int j = 0; j < N; ++j) {
      Request c = r;  // same prompt, lengths and arrival
      c.id = r.id * N + j;
      many.push_back(c);
    }
  for (int64_t conc : {int64_t(0), int64_t(6)}) {
    for (Routing routing : {Routing::LeastOutstanding, Routing::RoundRobin}) {
      EngineOptions o1;
      o1.scheduler = small_config(24, 16, 96, 6);
      o1.max_concurrency = conc;
      EngineOptions on = o1;
      on.max_concurrency = conc * N;
      on.routing = routing;
      LinearModel m1(2e5, 1e3), mn(2e5, 1e3);
      const EngineRun a = run_replicas(o1, one, 1, m1);
      const EngineRun b = run_replicas(on, many, N, mn);
      ASSERT_GT(a.preemptions, 0);
      for (size_t i = 0; i < one.size(); ++i)
        for (int j = 0; j < N; ++j) {
          const Sequence& s = a.seqs[i];
          const Sequence& c = b.seqs[i * N + size_t(j)];
          EXPECT_EQ(b.replica_of[i * N + size_t(j)], j);
          EXPECT_EQ(c.send_s, s.send_s);
          EXPECT_EQ(c.first_token_s, s.first_token_s);
          EXPECT_EQ(c.finish_s, s.finish_s);
          EXPECT_EQ(c.num_output, s.num_output);
        }
      EXPECT_EQ(b.preemptions, N * a.preemptions);
      EXPECT_EQ(b.prefix.hit_tokens, N * a.prefix.hit_tokens);
      EXPECT_EQ(b.steps.size(), N * a.steps.size());
      EXPECT_EQ(b.itl_s.size(), N * a.itl_s.size());
      // Merged metrics: throughputs N x, per-request means and the duration the same (every
      // value N times: the mean is exact up to summation order; percentiles of a repeated
      // sample interpolate between the same values, so they are not compared here).
      const Summary sa = summarize(a, {}), sb = summarize(b, {});
      EXPECT_EQ(sb.completed, N * sa.completed);
      EXPECT_EQ(sb.duration_s, sa.duration_s);
      EXPECT_NEAR(sb.output_tok_s, N * sa.output_tok_s, 1e-9 * sb.output_tok_s);
      EXPECT_NEAR(sb.request_s, N * sa.request_s, 1e-9 * sb.request_s);
      EXPECT_NEAR(sb.ttft.mean, sa.ttft.mean, 1e-9 * sa.ttft.mean);
      EXPECT_NEAR(sb.tpot.mean, sa.tpot.mean, 1e-9 * sa.tpot.mean);
      EXPECT_NEAR(sb.itl.mean, sa.itl.mean, 1e-6 * sa.itl.mean);  // ITL gaps are floats
      EXPECT_NEAR(sb.e2e.mean, sa.e2e.mean, 1e-9 * sa.e2e.mean);
      EXPECT_EQ(sb.ttft.max, sa.ttft.max);
      EXPECT_NEAR(sb.kv_usage_mean, sa.kv_usage_mean, 1e-12);  // per replica's own cache
      EXPECT_EQ(sb.max_concurrent, N * sa.max_concurrent);
      // Each replica's devices are as busy as the one replica's (energy and utilisation).
      EXPECT_NEAR(cost_inputs(sb, b).busy_s, cost_inputs(sa, a).busy_s, 1e-9 * cost_inputs(sa, a).busy_s);
    }
  }
}

TEST(Replicas, AnEngineNeedsAReplica) {
  EngineOptions o;
  o.scheduler = small_config(64);
  std::vector<Request> reqs{make_request(0, 10, 2)};
  EXPECT_THROW(run_engine(o, std::span<StepBackend* const>{}, reqs), Error);
}

}  // namespace
}  // namespace npulab::serve
