// The cost and energy arithmetic of serve/cost.h on hand-computed cases, the share of an
// instance a run pays, and the lookup on the shipped hw/instances files.
#include "serve/cost.h"

#include <gtest/gtest.h>

#include <string>

#include "common/error.h"

namespace npulab::serve {
namespace {

arch::ChipSearchPath source_hw() {
  return arch::ChipSearchPath::from_list(std::string(NPULAB_SOURCE_DIR) + "/hw", "test");
}

// 100 s, 3,000 input and 1,000 output tokens, 60 s of steps, 400 output tokens of good requests.
CostInputs inputs() {
  CostInputs in;
  in.duration_s = 100;
  in.busy_s = 60;
  in.input_tokens = 3000;
  in.output_tokens = 1000;
  in.has_goodput = true;
  in.good_output_tokens = 400;
  return in;
}

TEST(Cost, FormulaOfTheNeuronPages) {
  // (1e6 / 10 tok/s) x (36 / 3600) = 1e5 x 0.01 = $1,000 per 1M tokens.
  EXPECT_DOUBLE_EQ(usd_per_million_tokens(36, 10), 1000);
  EXPECT_DOUBLE_EQ(usd_per_million_tokens(3.6, 1), 1000);
}

TEST(Cost, HandComputedRun) {
  const RunPrice price{36.0, "capacity block", "test"};
  const CostReport r = compute_cost(inputs(), price, std::nullopt);
  EXPECT_DOUBLE_EQ(r.usd, 1.0);                          // 36 $/h x 100 s
  EXPECT_DOUBLE_EQ(r.usd_per_1m_output_tokens, 1000);    // 10 output tok/s
  EXPECT_DOUBLE_EQ(r.usd_per_1m_total_tokens, 250);      // 40 tok/s
  ASSERT_TRUE(r.usd_per_1m_goodput_tokens);
  EXPECT_DOUBLE_EQ(*r.usd_per_1m_goodput_tokens, 2500);  // 4 good output tok/s
  EXPECT_DOUBLE_EQ(r.utilisation, 0.6);
  EXPECT_FALSE(r.joules);  // no power data, no energy figures
}

TEST(Cost, HandComputedEnergy) {
  RunPower p;
  p.devices = 2;
  p.busy_w = 500;
  p.idle_w = 50;
  // 2 x (50 W x 100 s + 450 W x 60 s) = 2 x (5,000 + 27,000) = 64,000 J.
  EXPECT_DOUBLE_EQ(run_energy_j(p, 100, 60), 64000);
  const CostReport r = compute_cost(inputs(), {36.0, "capacity block", "test"}, p);
  ASSERT_TRUE(r.joules);
  EXPECT_DOUBLE_EQ(*r.joules, 64000);
  EXPECT_DOUBLE_EQ(*r.mean_power_w, 640);
  EXPECT_DOUBLE_EQ(*r.joules_per_output_token, 64);
  EXPECT_DOUBLE_EQ(*r.joules_per_total_token, 16);
  EXPECT_DOUBLE_EQ(*r.output_tok_s_per_mw, 15625);  // 10 tok/s / 640e-6 MW
  EXPECT_DOUBLE_EQ(*r.total_tok_s_per_mw, 62500);
  // Always busy: the TDP sum.
  CostInputs busy = inputs();
  busy.busy_s = 100;
  EXPECT_DOUBLE_EQ(*compute_cost(busy, {36.0, "x", "x"}, p).joules, 2 * 500 * 100);
}

TEST(Cost, NoGoodputWithoutSlosAndNothingToPriceIsAnError) {
  CostInputs in = inputs();
  in.has_goodput = false;
  EXPECT_FALSE(compute_cost(in, {1, "x", "x"}, std::nullopt).usd_per_1m_goodput_tokens);
  in.output_tokens = 0;
  EXPECT_THROW(compute_cost(in, {1, "x", "x"}, std::nullopt), Error);
}

TEST(Cost, InputsFromARun) {
  Summary s;
  s.duration_s = 2;
  s.input_tokens = 10;
  s.output_tokens = 5;
  EngineRun run;
  run.steps.resize(3);
  for (StepRecord& st : run.steps) st.dur_s = 1;  // 3 s of steps reported: clipped to the 2 s run
  const CostInputs in = cost_inputs(s, run);
  EXPECT_DOUBLE_EQ(in.busy_s, 2);
  EXPECT_EQ(in.input_tokens, 10);
  EXPECT_FALSE(in.has_goodput);
}

TEST(Cost, ShareOfAnInstance) {
  arch::Instance in;
  in.name = "trn2.48xlarge";
  in.device = "trn2";
  in.devices = 16;
  in.prices.push_back({arch::PriceBasis::CapacityBlock, 35.76, "2025", "src"});
  const auto one = instance_price(in, arch::PriceBasis::CapacityBlock, 1);
  ASSERT_TRUE(one);
  EXPECT_DOUBLE_EQ(one->usd_per_hour, 35.76 / 16);
  EXPECT_EQ(one->basis, "capacity block");
  EXPECT_NE(one->label.find("1/16 of trn2.48xlarge"), std::string::npos) << one->label;
  EXPECT_DOUBLE_EQ(instance_price(in, arch::PriceBasis::CapacityBlock, 16)->usd_per_hour, 35.76);
  EXPECT_FALSE(instance_price(in, arch::PriceBasis::OnDemand, 1));
  EXPECT_FALSE(instance_power(in, 1));
  EXPECT_THROW(user_price(0, 1), Error);
  EXPECT_EQ(user_price(2.5, 1).basis, "user-supplied");
}

TEST(Cost, LookupOnTheShippedInstances) {
  const arch::ChipSearchPath path = source_hw();
  const RunCostData trn2 = find_run_cost("trn2", 1, arch::PriceBasis::CapacityBlock, path);
  ASSERT_TRUE(trn2.price) << trn2.why_no_price;
  EXPECT_DOUBLE_EQ(trn2.price->usd_per_hour, 35.76 / 16);
  ASSERT_TRUE(trn2.power);
  EXPECT_TRUE(trn2.power->estimated);  // Trainium2's power is not published
  const RunCostData h100 = find_run_cost("h100-sxm", 8, arch::PriceBasis::Tco, path);
  ASSERT_TRUE(h100.price);
  EXPECT_DOUBLE_EQ(h100.price->usd_per_hour, 9.36);
  EXPECT_EQ(h100.power->busy_w, 700);     // the datasheet TDP
  EXPECT_TRUE(h100.power->estimated);     // its idle power is an assumption
  const RunCostData none = find_run_cost("trn2", 1, arch::PriceBasis::Tco, path);
  EXPECT_FALSE(none.price);
  EXPECT_NE(none.why_no_price.find("trn2.48xlarge"), std::string::npos) << none.why_no_price;
}

}  // namespace
}  // namespace npulab::serve
