// Instances (arch/instance.h): every shipped file loads, a GPU instance's busy power is its
// GPU file's TDP, and bad files are refused naming the file, the table.key and what was
// expected.
#include "arch/instance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "arch/gpu.h"
#include "common/error.h"
#include "source_text.h"

namespace npulab::arch {
namespace {

using testing_util::source_hw;
using testing_util::replaced;

const char* kGood = R"(
[instance]
name = "x"
description = "a test instance"
device = "trn2"
devices = 16

[device_power]
busy_w = 500
busy_source = "s"
busy_estimated = true
idle_w = 50
idle_source = "s"
idle_estimated = true

[capacity_block]
usd_per_hour = 35.76
date = "2025"
source = "s"
)";

std::string error_of(const std::string& text) {
  try {
    load_instance_from_string(text, "p.toml");
  } catch (const Error& e) {
    return e.what();
  }
  return "(loaded)";
}

TEST(Instances, ShippedFilesLoad) {
  const ChipSearchPath path = source_hw();
  const auto names = instance_names(path);
  for (const char* n : {"p5.48xlarge", "p5e.48xlarge", "p6-b200.48xlarge", "trn1.32xlarge", "inf2.48xlarge",
                        "trn2.48xlarge", "trn2-ultraserver", "trn3-ultraserver"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  for (const std::string& n : names) {
    const Instance in = load_instance_by_name(n, path);
    EXPECT_EQ(in.name, n);
    // The device is a chip or a GPU on the same path.
    const bool chip = !find_chip_file(in.device, path).empty(), gpu = !find_hw_file(in.device, path, "gpu").empty();
    EXPECT_TRUE(chip || gpu) << n << ": " << in.device;
    if (gpu && in.power) EXPECT_EQ(in.power->busy_w, load_gpu_by_name(in.device, path).tdp_w) << n;
    for (const Price& p : in.prices) EXPECT_FALSE(p.source.empty()) << n;
  }
}

TEST(Instances, ReadsPricesAndPower) {
  const Instance in = load_instance_from_string(kGood, "p.toml");
  EXPECT_EQ(in.devices, 16u);
  ASSERT_TRUE(in.power);
  EXPECT_TRUE(in.power->busy_estimated);
  EXPECT_EQ(in.power->idle_w, 50);
  ASSERT_EQ(in.prices.size(), 1u);
  ASSERT_NE(in.price(PriceBasis::CapacityBlock), nullptr);
  EXPECT_EQ(in.price(PriceBasis::CapacityBlock)->usd_per_hour, 35.76);
  EXPECT_EQ(in.price(PriceBasis::OnDemand), nullptr);  // not listed = no such price, never 0
}

TEST(Instances, BadFilesNameFileAndKey) {
  struct Case {
    std::string text, expected;
  } cases[] = {
      {replaced(kGood, "usd_per_hour = 35.76", "usd_per_hour = -1"),
       "p.toml: capacity_block.usd_per_hour: expected a number in [0.001, 1000000]"},
      {replaced(kGood, "usd_per_hour = 35.76", "usd_per_hour = \"35\""),
       "p.toml: capacity_block.usd_per_hour: expected a number"},
      {replaced(kGood, "date = \"2025\"\n", ""), "p.toml: capacity_block.date: missing required key"},
      {replaced(kGood, "date = \"2025\"", "date = \"\""), "p.toml: capacity_block.date: expected a non-empty string"},
      {replaced(kGood, "busy_estimated = true", "busy_estimated = 1"),
       "p.toml: device_power.busy_estimated: expected true or false, got the integer 1"},
      {replaced(kGood, "idle_w = 50", "idle_watts = 50"), "p.toml: device_power.idle_watts: unknown key"},
      {replaced(kGood, "[capacity_block]", "[capacity_blocks]"), "p.toml: capacity_blocks: unknown table"},
      {replaced(kGood, "devices = 16", "devices = 0"), "p.toml: instance.devices: expected an integer in [1, 100000]"},
      {replaced(kGood, "[instance]", "[instances]"), "p.toml: instances: unknown table"},
      {"[capacity_block]\nusd_per_hour = 1\ndate = \"d\"\nsource = \"s\"\n", "p.toml: missing table [instance]"},
      {"", "p.toml: empty hardware description"},
  };
  for (const Case& c : cases) {
    const std::string m = error_of(c.text);
    EXPECT_NE(m.find(c.expected), std::string::npos) << "expected \"" << c.expected << "\" in: " << m;
  }
}

TEST(Instances, UnknownInstanceListsTheKnownOnes) {
  try {
    load_instance_by_name("p9.48xlarge", source_hw());
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("p5.48xlarge"), std::string::npos) << e.what();
  }
}

TEST(Instances, Bases) {
  EXPECT_EQ(parse_price_basis("capacity-block"), PriceBasis::CapacityBlock);
  EXPECT_EQ(parse_price_basis("tco"), PriceBasis::Tco);
  EXPECT_THROW(parse_price_basis("spot"), Error);
}

}  // namespace
}  // namespace npulab::arch
