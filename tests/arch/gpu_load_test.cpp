// GPU hardware files (arch/gpu.h): the built-in GPUs, systems and calibrations load from the
// chips' search path, and a bad file is an npulab::Error naming the file, the table.key and
// what was expected.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "arch/gpu.h"
#include "common/error.h"
#include "source_text.h"

namespace npulab::arch {
namespace {

using testing_util::read_text;
using testing_util::source_hw;
using testing_util::replaced;
using testing_util::expect_error;

TEST(GpuFiles, BuiltinsLoadWithTheirPublishedFigures) {
  const auto path = source_hw();
  EXPECT_EQ(gpu_names(path), (std::vector<std::string>{"b200", "h100-sxm", "h200-sxm"}));
  const GpuSpec h100 = load_gpu_by_name("h100-sxm", path);
  EXPECT_EQ(h100.sms, 132u);
  EXPECT_DOUBLE_EQ(h100.bf16_tflops, 989.4);
  EXPECT_DOUBLE_EQ(h100.matmul_flops(DType::F8E4M3), 1978.9e12);
  EXPECT_DOUBLE_EQ(h100.hbm_bytes_per_s(), 3.35e12);
  EXPECT_DOUBLE_EQ(h100.nvlink_unidirectional_bytes_per_s(), 450e9);
  // The dense figures and the clock agree: SMs x 4096 FLOP/clk x clock (Hopper).
  EXPECT_NEAR(h100.sms * 4096 * h100.boost_clock_ghz * 1e9 / 1e12, h100.bf16_tflops, 1.0);
  for (const auto& n : gpu_names(path)) {
    const GpuSpec g = load_gpu_by_name(n, path);
    EXPECT_EQ(g.name, n);
    EXPECT_NO_THROW(load_gpu_calibration_by_name(g.calibration, path)) << n;
  }
}

TEST(GpuFiles, SystemsResolveTheirGpu) {
  const auto path = source_hw();
  for (const char* n : {"h100", "2xh100", "4xh100", "8xh100", "h200", "8xh200", "b200", "8xb200"}) {
    const GpuSystem s = load_gpu_system(n, path);
    EXPECT_EQ(s.name, n);
    EXPECT_EQ(s.gpu.name.substr(0, 4), std::string(n).substr(std::string(n).find('x') + 1, 4)) << n;
  }
  EXPECT_EQ(load_gpu_system("8xh100", path).gpus, 8u);
  EXPECT_EQ(load_gpu_system("8xh200", path).gpu.hbm_capacity_bytes, 141000000000u);
}

TEST(GpuFiles, UnknownNamesListWhatExists) {
  const auto path = source_hw();
  expect_error([&] { load_gpu_system("9xh100", path); }, {"unknown GPU system '9xh100'", "8xh100", "under systems/"});
  expect_error([&] { load_gpu_by_name("a100", path); }, {"unknown GPU 'a100'", "h100-sxm", "under gpu/"});
}

TEST(GpuFiles, SystemWithUnknownGpuNamesTheFileAndKey) {
  const std::string dir = testing::TempDir() + "/gpu_sys";
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/bad.toml";
  std::ofstream(file) << replaced(read_text("hw/systems/8xh100.toml"), "gpu = \"h100-sxm\"", "gpu = \"h900\"");
  expect_error([&] { load_gpu_system(file, source_hw()); }, {file + ": system.gpu: unknown GPU 'h900'"});
}

TEST(GpuFiles, BadKeysNameFileTableKeyAndExpectation) {
  const std::string gpu = read_text("hw/gpu/h100-sxm.toml");
  const std::string cal = read_text("hw/gpu/calibration/vidur-h100.toml");
  expect_error([&] { load_gpu_from_string(replaced(gpu, "sms = 132", "smz = 132"), "x.toml"); },
               {"x.toml: gpu.smz: unknown key", "did you mean 'sms'"});
  expect_error([&] { load_gpu_from_string(replaced(gpu, "fp8 = 1978.9", "fp8 = 500"), "x.toml"); },
               {"x.toml: dense_tflops.fp8: expected >= dense_tflops.bf16"});
  expect_error([&] { load_gpu_from_string(replaced(gpu, "[power]", "[powr]"), "x.toml"); },
               {"x.toml: powr: unknown table"});
  expect_error([&] { load_gpu_from_string(replaced(gpu, "tdp_w = 700", "tdp_w = \"700\""), "x.toml"); },
               {"x.toml: power.tdp_w: expected a number", "the string \"700\""});
  expect_error([&] { load_gpu_calibration_from_string(replaced(cal, "compute_efficiency = ", "compute_efficiency = 1.5 #"), "c.toml"); },
               {"c.toml: gemm.compute_efficiency: expected a number in [0.01, 1]", "never above"});
  expect_error([&] { load_gpu_from_string("", "e.toml"); }, {"e.toml: empty hardware description"});
  expect_error([&] { load_gpu("/nonexistent/g.toml"); }, {"/nonexistent/g.toml: cannot open"});
}

}  // namespace
}  // namespace npulab::arch
