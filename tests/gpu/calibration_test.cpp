// The committed calibration (hw/gpu/calibration/vidur-h100.toml) is the fit's output on the
// committed measurements (data/calibration/vidur-h100) and reproduces them within the error
// it states; the data loader's errors name the file, line and column.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "arch/gpu.h"
#include "common/error.h"
#include "gpu/fit.h"

namespace npulab::gpu {
namespace {

const std::string kData = std::string(NPULAB_SOURCE_DIR) + "/data/calibration/vidur-h100";

struct Fixture {
  arch::GpuSpec gpu;
  arch::GpuCalibration cal;
  std::vector<CalPoint> pts;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    const auto path = arch::ChipSearchPath::from_list(std::string(NPULAB_SOURCE_DIR) + "/hw", "test");
    Fixture x;
    x.gpu = arch::load_gpu_by_name("h100-sxm", path);
    x.cal = arch::load_gpu_calibration_by_name(x.gpu.calibration, path);
    x.pts = load_vidur_points(kData);
    return x;
  }();
  return f;
}

TEST(VidurData, EveryMeasuredOperatorIsLoaded) {
  const auto& pts = fixture().pts;
  size_t gemm = 0, mem = 0, ar = 0;
  for (const CalPoint& p : pts) {
    EXPECT_GT(p.measured_ns, 0) << p.source << " " << p.op.name;
    (fit_group(p.op.kind) == FitGroup::Gemm ? gemm : fit_group(p.op.kind) == FitGroup::Memory ? mem : ar)++;
  }
  // 3 Llama-family files x 1044 rows x 4 GEMMs + Phi-2's 261 x 4; all-reduce rows.
  EXPECT_EQ(gemm, 3u * 1044 * 4 + 261 * 4);
  EXPECT_EQ(ar, 2982u);
  EXPECT_GT(mem, 15000u);
}

TEST(Calibration, CommittedParametersReproduceTheirPointsWithinTheStatedError) {
  const Fixture& f = fixture();
  const ErrorReport rep = fit_errors({f.gpu, f.cal}, f.pts);
  const auto& e = f.cal.fit_error;
  EXPECT_LE(rep.group(FitGroup::Gemm).median_pct, e.gemm_median_pct);
  EXPECT_LE(rep.group(FitGroup::Gemm).p90_pct, e.gemm_p90_pct);
  EXPECT_LE(rep.group(FitGroup::Memory).median_pct, e.memory_median_pct);
  EXPECT_LE(rep.group(FitGroup::Memory).p90_pct, e.memory_p90_pct);
  EXPECT_LE(rep.group(FitGroup::AllReduce).median_pct, e.allreduce_median_pct);
  EXPECT_LE(rep.group(FitGroup::AllReduce).p90_pct, e.allreduce_p90_pct);
  // ... and the statement is tight (rounded up to 0.1 %, not padded).
  EXPECT_GT(rep.group(FitGroup::Gemm).median_pct, e.gemm_median_pct - 0.2);
  EXPECT_GT(rep.group(FitGroup::AllReduce).p90_pct, e.allreduce_p90_pct - 0.2);
}

TEST(Calibration, CommittedFileIsTheFitsOutput) {
  const Fixture& f = fixture();
  const arch::GpuCalibration refit = fit_calibration(f.gpu, f.cal, f.pts);
  auto near = [](double a, double b) { return std::abs(a - b) <= 1e-3 * std::abs(b) + 1e-9; };
  EXPECT_TRUE(near(refit.gemm.compute_efficiency, f.cal.gemm.compute_efficiency)) << refit.gemm.compute_efficiency;
  EXPECT_TRUE(near(refit.gemm.memory_efficiency, f.cal.gemm.memory_efficiency)) << refit.gemm.memory_efficiency;
  EXPECT_TRUE(near(refit.gemm.launch_us, f.cal.gemm.launch_us)) << refit.gemm.launch_us;
  EXPECT_TRUE(near(refit.memory.norm_efficiency, f.cal.memory.norm_efficiency)) << refit.memory.norm_efficiency;
  EXPECT_TRUE(near(refit.memory.block_gbps, f.cal.memory.block_gbps)) << refit.memory.block_gbps;
  EXPECT_TRUE(near(refit.allreduce.bus_efficiency, f.cal.allreduce.bus_efficiency)) << refit.allreduce.bus_efficiency;
  EXPECT_TRUE(near(refit.allreduce.latency_us, f.cal.allreduce.latency_us)) << refit.allreduce.latency_us;
  // Written and read back, the refit is the same calibration.
  const arch::GpuCalibration back =
      arch::load_gpu_calibration_from_string(calibration_toml(refit, f.gpu.name, f.pts), "refit.toml");
  EXPECT_TRUE(near(back.gemm.launch_us, refit.gemm.launch_us));
  EXPECT_EQ(back.fit_error.gemm_p90_pct, refit.fit_error.gemm_p90_pct);
}

TEST(VidurData, BadFilesNameFileLineAndColumn) {
  const std::string dir = testing::TempDir() + "/vidur_bad";
  std::filesystem::create_directories(dir);
  auto expect = [&](const std::string& name, const std::string& text, const std::string& part) {
    const std::string file = dir + "/" + name;
    std::ofstream(file) << text;
    try {
      load_vidur_file(file);
      ADD_FAILURE() << name << " loaded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  const std::string header = ",time_stats.all_reduce.median,num_workers,size\n";
  expect("a.all_reduce.csv", header + "0,0.01,8,abc\n", "a.all_reduce.csv:2: column 'size': expected a non-negative number, got 'abc'");
  expect("b.all_reduce.csv", header + "0,0.01,8\n", "b.all_reduce.csv:2: 3 fields, the header has 4");
  expect("c.all_reduce.csv", header + "0,-1,8,2048\n", "column 'time_stats.all_reduce.median'");
  expect("d.all_reduce.csv", header + "0,0.01,0,2048\n", "column 'num_workers': expected a positive integer");
  expect("e.all_reduce.csv", "", "e.all_reduce.csv: empty file");
  expect("f.all_reduce.csv", ",size\n0,2048\n", "f.all_reduce.csv: missing column 'num_workers'");
  expect("g.csv", "x\n", "not a Vidur profile");
  EXPECT_THROW(load_vidur_points(dir + "/none"), Error);
}

}  // namespace
}  // namespace npulab::gpu
