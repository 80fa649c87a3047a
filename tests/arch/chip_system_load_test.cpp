// Chip systems (arch/chip_system.h): the built-in systems load with their chips, the system
// folder's two kinds are told apart (a GPU system is not a chip system and vice versa), and a
// bad file is an npulab::Error naming the file, the table.key and what was expected.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "arch/chip_system.h"
#include "arch/gpu.h"
#include "arch/system_kind.h"
#include "common/error.h"
#include "source_text.h"

namespace npulab::arch {
namespace {

using testing_util::read_text;
using testing_util::source_hw;
using testing_util::replaced;
using testing_util::expect_error;

const std::vector<std::string> kChipSystems = {"inf2.48xlarge",    "trn1.32xlarge",         "trn2-ultraserver",
                                               "trn2.48xlarge",    "trn3-ultraserver",      "trn3-ultraserver-gen1"};

TEST(ChipSystems, BuiltinsLoadWithTheirChips) {
  const auto path = source_hw();
  EXPECT_EQ(chip_system_names(path), kChipSystems);
  for (const auto& n : kChipSystems) {
    const ChipSystem s = load_chip_system(n, path);
    EXPECT_EQ(s.name, n);
    EXPECT_EQ(s.chip.name, s.chip_name);
    EXPECT_EQ(s.chips(), s.published.chips) << n;
  }
  const ChipSystem t = load_chip_system("trn2.48xlarge", path);
  EXPECT_EQ(t.in_server.kind, TopologyKind::Torus2D);
  EXPECT_EQ(t.in_server.dims, (std::vector<uint32_t>{4, 4}));
  EXPECT_FALSE(t.across_servers.has_value());
  const ChipSystem u = load_chip_system("trn2-ultraserver", path);
  ASSERT_TRUE(u.across_servers.has_value());
  EXPECT_EQ(u.across_servers->kind, TopologyKind::Ring);
  EXPECT_EQ(u.chips(), 64u);
  const ChipSystem g2 = load_chip_system("trn3-ultraserver", path);
  EXPECT_EQ(g2.chips(), 144u);
  ASSERT_TRUE(g2.across_racks.has_value());
  EXPECT_EQ(g2.in_server.kind, TopologyKind::Switch);
}

// The names match the price files (hw/instances/) where one exists, and the chip counts agree.
TEST(ChipSystems, NamesAndCountsMatchTheInstances) {
  const auto path = source_hw();
  for (const char* n : {"inf2.48xlarge", "trn1.32xlarge", "trn2.48xlarge", "trn2-ultraserver", "trn3-ultraserver"}) {
    const std::string inst = read_text(std::string("hw/instances/") + n + ".toml");
    const ChipSystem s = load_chip_system(n, path);
    EXPECT_NE(inst.find("devices = " + std::to_string(s.chips())), std::string::npos) << n;
    EXPECT_NE(inst.find("device = \"" + s.chip_name + "\""), std::string::npos) << n;
  }
}

// AWS's system tables and chip tables agree: the chip file's published figures x chips give
// the system's published totals within the rounding of the system figures (0.3%).
TEST(ChipSystems, PublishedTotalsAgreeWithTheChipsPublishedFigures) {
  const auto path = source_hw();
  for (const auto& n : kChipSystems) {
    const ChipSystem s = load_chip_system(n, path);
    const double chips = s.chips();
    auto near = [&](double from_chips, double published, const char* what) {
      EXPECT_NEAR(from_chips / published, 1.0, 0.003) << n << " " << what << ": " << from_chips << " vs " << published;
    };
    near(chips * s.chip.published_bf16_tflops / 1e3, s.published.bf16_pflops, "BF16");
    near(chips * s.chip.published_fp8_tflops / 1e3, s.published.fp8_pflops, "FP8");
    near(chips * s.chip.published_fp32_tflops / 1e3, s.published.fp32_pflops, "FP32");
    near(chips * double(s.chip.hbm.capacity_bytes) / (1024.0 * 1024 * 1024), s.published.hbm_gib, "HBM GiB");
    near(chips * s.chip.published_hbm_tbps, s.published.hbm_tbps, "HBM TB/s");
  }
}

TEST(ChipSystems, GpuAndChipSystemsAreToldApart) {
  const auto path = source_hw();
  const auto gpus = gpu_system_names(path);
  EXPECT_EQ(gpus, (std::vector<std::string>{"2xh100", "4xh100", "8xb200", "8xh100", "8xh200", "b200", "h100", "h200"}));
  expect_error([&] { load_gpu_system("trn2.48xlarge", path); },
               {"trn2.48xlarge.toml: system.chip: this is a chip system, not a GPU system", "load_chip_system"});
  expect_error([&] { load_chip_system("8xh100", path); },
               {"8xh100.toml: system.gpu: this is a GPU system, not a chip system", "load_gpu_system"});
  expect_error([&] { load_chip_system("trn9.48xlarge", path); },
               {"unknown chip system 'trn9.48xlarge'", "trn2.48xlarge", "under systems/"});
  // The unknown-name list of each kind holds only that kind.
  try {
    load_gpu_system("9xh100", path);
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("trn2.48xlarge"), std::string::npos) << e.what();
  }
}

TEST(ChipSystems, BadFilesNameTheFileAndKey) {
  const std::string base = read_text("hw/systems/trn2.48xlarge.toml");
  auto load = [](const std::string& text) { return [text] { load_chip_system_from_string(text, "bad.toml"); }; };
  expect_error(load(replaced(base, "dims = [4, 4]", "dims = [4, 5]")),
               {"bad.toml: in_server.dims: the dimensions' product 20 must equal system.chips_per_server (16)"});
  expect_error(load(replaced(base, "dims = [4, 4]", "dims = [16]")), {"bad.toml: in_server.dims: a torus2d has 2"});
  expect_error(load(replaced(base, "topology = \"torus2d\"", "topology = \"mesh3d\"")),
               {"bad.toml: in_server.topology: expected \"ring\", \"torus2d\" or \"switch\", got \"mesh3d\""});
  expect_error(load(replaced(base, "link_gbps = 256.0", "link_gbs = 256.0")),
               {"bad.toml: in_server.link_gbs: unknown key (did you mean 'link_gbps'"});
  expect_error(load(replaced(base, "servers_per_rack = 1", "servers_per_rack = 2")),
               {"bad.toml: missing table [across_servers] (system.servers_per_rack is 2)"});
  expect_error(load(replaced(base, "chips = 16 ", "chips = 15 ")),
               {"bad.toml: published.chips: 15 but chips_per_server x servers_per_rack x racks = 16 x 1 x 1 = 16"});
  expect_error(load(base + "\n[across_racks]\ntopology = \"switch\"\nlink_gbps = 1.0\nlink_latency_ns = 1.0\n"),
               {"bad.toml: [across_racks]: system.racks is 1: there is nothing to join"});
  expect_error(load(replaced(base, "mesh_max_bytes = 1048576", "mesh_max_bytes = 99999999999")),
               {"bad.toml: collectives.rdh_max_bytes: expected >= collectives.mesh_max_bytes"});
  expect_error(load(replaced(base, "dims = [4, 4]", "dims = []")),
               {"bad.toml: in_server.dims: expected a non-empty array, each element an integer in [1, 4096]"});
  // Both kinds' keys, or neither: the file is neither kind.
  const std::string dir = testing::TempDir() + "/chip_sys";
  std::filesystem::create_directories(dir);
  const std::string both = dir + "/both.toml";
  std::ofstream(both) << replaced(base, "chip = \"trn2\"", "chip = \"trn2\"\ngpu = \"h100-sxm\"");
  expect_error([&] { system_file_kind(both); }, {both + ": system: expected exactly one of the keys 'chip'", "got both"});
  // A chip that does not exist names the system file and key.
  const std::string nochip = dir + "/nochip.toml";
  std::ofstream(nochip) << replaced(base, "chip = \"trn2\"", "chip = \"trn9\"");
  expect_error([&] { load_chip_system(nochip, source_hw()); }, {nochip + ": system.chip: unknown chip 'trn9'"});
}

}  // namespace
}  // namespace npulab::arch
