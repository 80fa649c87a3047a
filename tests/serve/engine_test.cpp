// The engine loop over simulated time: send times under a concurrency limit, token times,
// failed requests with their reasons, a randomized run with a small cache (preemptions,
// prefix hits) that must leave no block referenced, and the metrics of a run whose timeline
// is known by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "common/error.h"

#include "serve/engine.h"
#include "serve/metrics.h"
#include "serve_test_util.h"

namespace npulab::serve {
namespace {

using test::LinearModel;
using test::make_request;
using test::small_config;

TEST(Engine, OneRequestTimeline) {
  LinearModel m(1e6, 0);  // every step 1 ms
  TimingBackend be(m);
  EngineOptions o;
  o.scheduler = small_config(64, 16, 64);
  std::vector<Request> reqs{make_request(0, 100, 5, 0.5)};
  const EngineRun run = run_engine(o, be, reqs);
  const Sequence& s = run.seqs[0];
  EXPECT_DOUBLE_EQ(s.send_s, 0.5);
  // Prefill in chunks of 64 and 36 (the second samples the first token), then 4 decodes.
  EXPECT_NEAR(s.first_token_s, 0.502, 1e-12);
  EXPECT_NEAR(s.finish_s, 0.506, 1e-12);
  EXPECT_EQ(run.steps.size(), 6u);
  ASSERT_EQ(run.itl_s.size(), 4u);
  for (float g : run.itl_s) EXPECT_NEAR(g, 1e-3, 1e-7);
  const Summary sum = summarize(run, {});
  EXPECT_EQ(sum.completed, 1);
  EXPECT_NEAR(sum.ttft.mean, 2.0, 1e-9);
  EXPECT_NEAR(sum.tpot.mean, 1.0, 1e-9);
  EXPECT_NEAR(sum.e2e.mean, 6.0, 1e-9);
  EXPECT_NEAR(sum.duration_s, 0.506, 1e-12);
  EXPECT_EQ(sum.input_tokens, 100);
  EXPECT_EQ(sum.output_tokens, 5);
}

TEST(Engine, ConcurrencyLimitSendsWhenASlotFrees) {
  LinearModel m(1e6, 0);
  TimingBackend be(m);
  EngineOptions o;
  o.scheduler = small_config(64, 16, 64);
  o.max_concurrency = 1;
  std::vector<Request> reqs{make_request(0, 10, 3), make_request(1, 10, 3), make_request(2, 10, 3)};
  const EngineRun run = run_engine(o, be, reqs);
  EXPECT_EQ(run.max_in_flight, 1);
  for (size_t i = 1; i < reqs.size(); ++i) EXPECT_DOUBLE_EQ(run.seqs[i].send_s, run.seqs[i - 1].finish_s);
  // Each request: 3 steps of 1 ms, TTFT 1 ms from its own send.
  const Summary sum = summarize(run, {});
  EXPECT_NEAR(sum.ttft.p99, 1.0, 1e-9);
  EXPECT_NEAR(sum.duration_s, 0.009, 1e-12);
}

TEST(Engine, ReportsRequestsThatCannotBeServed) {
  LinearModel m(1e6, 0);
  TimingBackend be(m);
  EngineOptions o;
  o.scheduler = small_config(4, 16, 64);
  o.scheduler.max_model_len = 64;
  std::vector<Request> reqs{make_request(0, 60, 10), make_request(1, 20, 4)};
  const EngineRun run = run_engine(o, be, reqs);
  EXPECT_EQ(run.seqs[0].state, SeqState::Failed);
  EXPECT_NE(run.seqs[0].error.find("exceeds the maximum context of 64"), std::string::npos);
  EXPECT_EQ(run.seqs[1].state, SeqState::Finished);
  const Summary sum = summarize(run, {});
  EXPECT_EQ(sum.completed, 1);
  EXPECT_EQ(sum.failed, 1);
}

TEST(Engine, RandomizedRunsLeaveNoBlockReferenced) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    std::vector<Request> reqs;
    for (int i = 0; i < 60; ++i) {
      const int64_t len = 1 + int64_t(rng() % 200), out = 1 + int64_t(rng() % 40);
      reqs.push_back(make_request(i, len, out, double(rng() % 1000) * 1e-4, int64_t(rng() % 3) * 48));
    }
    LinearModel m(2e5, 1e3);
    TimingBackend be(m);
    EngineOptions o;
    o.scheduler = small_config(24, 16, 96, 6);  // 384 positions: preemptions happen
    o.max_concurrency = int64_t(seed % 2) * 8;
    const EngineRun run = run_engine(o, be, reqs);  // throws if a block stays referenced
    int64_t done = 0;
    for (const Sequence& s : run.seqs) {
      EXPECT_TRUE(s.finished());
      if (s.state == SeqState::Finished) {
        ++done;
        EXPECT_EQ(s.num_output, s.req->max_tokens);
        EXPECT_GE(s.first_token_s, s.send_s);
        EXPECT_GE(s.finish_s, s.first_token_s);
      }
      EXPECT_TRUE(s.blocks.empty());
    }
    EXPECT_EQ(done, 60);
    EXPECT_GT(run.preemptions, 0) << "seed " << seed;
    EXPECT_GT(run.prefix.hit_tokens, 0) << "seed " << seed;
    for (const StepRecord& r : run.steps) {
      EXPECT_LE(r.tokens, 96);
      EXPECT_LE(r.seqs, 6);
      EXPECT_LE(r.kv_blocks_used, 24);
    }
  }
}

TEST(Metrics, PercentilesInterpolateLikeNumpy) {
  // numpy.percentile([1, 2, 3, 4, 10], [50, 90, 99]) = 3, 7.6, 9.76
  const LatencyStats s = latency_stats({10, 2, 4, 1, 3});
  EXPECT_DOUBLE_EQ(s.p50, 3);
  EXPECT_NEAR(s.p90, 7.6, 1e-12);
  EXPECT_NEAR(s.p99, 9.76, 1e-12);
  EXPECT_DOUBLE_EQ(s.mean, 4);
  EXPECT_NEAR(s.std, std::sqrt(10.0), 1e-12);  // population std: numpy.std
}

TEST(Metrics, GoodputCountsRequestsMeetingEverySlo) {
  LinearModel m(1e6, 0);
  TimingBackend be(m);
  EngineOptions o;
  o.scheduler = small_config(64, 16, 64, 1);  // one at a time: TTFT grows with the queue
  std::vector<Request> reqs{make_request(0, 10, 2), make_request(1, 10, 2), make_request(2, 10, 2)};
  const EngineRun run = run_engine(o, be, reqs);
  Slo slo;
  slo.ttft_ms = 3.5;  // TTFTs are 1, 3 and 5 ms
  const Summary sum = summarize(run, slo);
  EXPECT_TRUE(sum.has_goodput);
  EXPECT_EQ(sum.good, 2);
  EXPECT_NEAR(sum.goodput_req_s, 2 / 0.006, 1e-6);
  Slo bad;
  bad.tpot_ms = -1;
  EXPECT_THROW(bad.validate(), Error);
}

}  // namespace
}  // namespace npulab::serve
