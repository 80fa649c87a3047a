// A bench run sent between ranks comes back whole: everything `npulab bench` writes from it
// (the JSON record but its date, the CSV rows, the summary text) is the same, and its
// sequences point into the receiving rank's workload.
#include <gtest/gtest.h>

#include <sstream>

#include "serve/bench_run_codec.h"
#include "serve/engine.h"
#include "serve/metrics.h"
#include "serve_test_util.h"

namespace npulab::serve {
namespace {

using test::LinearModel;
using test::make_request;
using test::small_config;

TEST(BenchRunCodec, RoundTripWritesTheSameOutputs) {
  LinearModel m(1e6, 1e3);
  TimingBackend be(m);
  EngineOptions o;
  o.scheduler = small_config(24, 16, 64);  // a small cache: preemptions and prefix hits
  o.scheduler.prefix_caching = true;
  std::vector<Request> reqs;
  for (int64_t i = 0; i < 12; ++i) reqs.push_back(make_request(i, 20 + 7 * i, 5 + i % 4, 0.001 * double(i), 16));
  BenchRun r;
  r.run = run_engine(o, be, reqs);
  r.run.seqs[3].error = "a \"quoted\" reason";
  r.summary = summarize(r.run, {});
  r.info.system = "trn2";
  r.info.label = "concurrency=4";
  r.info.slo.ttft_ms = 12;
  r.info.expected_errors = {{"tpot", 40, 3}};
  r.cost.basis = "capacity block";
  r.cost.report = CostReport{};
  r.cost.report->usd = 1.5;
  r.cost.report->joules = 7;
  ASSERT_GT(r.summary.preemptions + r.run.prefix.hit_tokens, 0);

  dist::ByteWriter w;
  encode_run(w, r);
  const dist::Bytes bytes = w.take();
  const std::vector<Request> theirs = reqs;  // the receiving rank's own copy of the workload
  dist::ByteReader rd(bytes);
  const BenchRun back = decode_run(rd, theirs);
  EXPECT_TRUE(rd.done());
  ASSERT_EQ(back.run.seqs.size(), reqs.size());
  EXPECT_EQ(back.run.seqs[5].req, &theirs[5]);

  nlohmann::json a = run_json(r), b = run_json(back);
  a.erase("date");
  b.erase("date");
  EXPECT_EQ(a, b);
  std::ostringstream ca, cb;
  write_request_csv(ca, r);
  write_request_csv(cb, back);
  EXPECT_EQ(ca.str(), cb.str());
  EXPECT_EQ(summary_text(r), summary_text(back));
  EXPECT_EQ(back.run.steps.size(), r.run.steps.size());
  EXPECT_EQ(back.run.seqs[2].blocks, r.run.seqs[2].blocks);
  EXPECT_EQ(back.info.expected_errors[0].cases, 3);

  // The receiving workload must hold every request the run names.
  const std::vector<Request> fewer(reqs.begin(), reqs.begin() + 4);
  dist::ByteReader rd2(bytes);
  EXPECT_THROW(decode_run(rd2, fewer), Error);
}

}  // namespace
}  // namespace npulab::serve
