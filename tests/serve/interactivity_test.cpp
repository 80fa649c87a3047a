// The throughput-interactivity curve of a sweep: interactivity is 1000 / mean TPOT, the
// Pareto front keeps only the points no other point beats on both axes, and reading the
// front at a fixed interactivity interpolates between its neighbours, says when the sweep
// never got that interactive, and prices the result at the runs' price per device-hour.
#include <gtest/gtest.h>

#include "serve/interactivity.h"

namespace npulab::serve {
namespace {

BenchRun run(const std::string& system, int64_t devices, double tpot_ms, double out_tok_s, double usd_per_hour) {
  BenchRun r;
  r.info.system = system;
  r.info.devices = devices;
  r.info.label = "c";
  r.summary.tpot.n = 10;
  r.summary.tpot.mean = tpot_ms;
  r.summary.output_tok_s = out_tok_s;
  r.summary.duration_s = 100;
  CostReport c;
  c.usd = usd_per_hour * 100 / 3600;
  r.cost.report = c;
  return r;
}

TEST(Interactivity, ParetoFrontAndInterpolation) {
  // 2 devices at $4/h each: points (tok/s/user, tok/s/device) = (100, 50), (50, 200),
  // (25, 150) - dominated by (50, 200) - and (20, 300).
  const std::vector<BenchRun> runs = {run("a", 2, 10, 100, 8), run("a", 2, 20, 400, 8), run("a", 2, 40, 300, 8),
                                      run("a", 2, 50, 600, 8)};
  const std::vector<SystemCurve> cs = interactivity_curves(runs);
  ASSERT_EQ(cs.size(), 1u);
  const SystemCurve& c = cs[0];
  ASSERT_EQ(c.points.size(), 4u);
  EXPECT_DOUBLE_EQ(c.points[0].tok_s_per_user, 20);
  EXPECT_DOUBLE_EQ(c.points[0].tok_s_per_device, 300);
  EXPECT_TRUE(c.points[0].pareto);
  EXPECT_FALSE(c.points[1].pareto);  // (25, 150)
  EXPECT_TRUE(c.points[2].pareto);
  EXPECT_TRUE(c.points[3].pareto);
  ASSERT_TRUE(c.usd_per_device_hour);
  EXPECT_NEAR(*c.usd_per_device_hour, 4, 1e-12);

  const AtInteractivity mid = at_interactivity(c, 75);  // halfway between (50, 200) and (100, 50)
  ASSERT_TRUE(mid.reached);
  EXPECT_FALSE(mid.lower_bound);
  EXPECT_NEAR(mid.tok_s_per_device, 125, 1e-9);
  ASSERT_TRUE(mid.usd_per_1m_output_tokens);
  EXPECT_NEAR(*mid.usd_per_1m_output_tokens, 1e6 / 125 * 4 / 3600, 1e-9);
  EXPECT_NEAR(at_interactivity(c, 35).tok_s_per_device, 250, 1e-9);  // (20, 300)-(50, 200), skipping (25, 150)

  EXPECT_FALSE(at_interactivity(c, 101).reached);
  const AtInteractivity slow = at_interactivity(c, 10);  // below the sweep: at least its best throughput
  EXPECT_TRUE(slow.reached && slow.lower_bound);
  EXPECT_DOUBLE_EQ(slow.tok_s_per_device, 300);
}

TEST(Interactivity, OneCurvePerSystemAndRunsWithoutDecodeLeftOut) {
  std::vector<BenchRun> runs = {run("a", 1, 10, 100, 1), run("b", 8, 10, 800, 8), run("a", 1, 20, 150, 1)};
  runs.push_back(run("b", 8, 0, 0, 8));
  runs.back().summary.tpot.n = 0;
  const std::vector<SystemCurve> cs = interactivity_curves(runs);
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].system, "a");
  EXPECT_EQ(cs[0].points.size(), 2u);
  EXPECT_EQ(cs[1].points.size(), 1u);
  EXPECT_DOUBLE_EQ(cs[1].points[0].tok_s_per_device, 100);  // per device: 800 / 8
  const Chart ch = interactivity_chart(cs);
  EXPECT_EQ(ch.series.size(), 4u);  // each system's points and its front
}

}  // namespace
}  // namespace npulab::serve
