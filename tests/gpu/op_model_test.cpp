// Properties of the GPU operator model (gpu/op_model.h) that hold for any calibration in
// range: times grow with size and never beat the roofline (dense peak, HBM bandwidth, one
// direction of NVLink).
#include "gpu/op_model.h"

#include <gtest/gtest.h>

#include "arch/gpu.h"

namespace npulab::gpu {
namespace {

GpuModel model(const std::string& gpu) {
  const auto path = arch::ChipSearchPath::from_list(std::string(NPULAB_SOURCE_DIR) + "/hw", "test");
  const arch::GpuSpec g = arch::load_gpu_by_name(gpu, path);
  return {g, arch::load_gpu_calibration_by_name(g.calibration, path)};
}

TEST(GemmModel, MonotoneInEveryDimension) {
  for (const char* name : {"h100-sxm", "b200"}) {
    const GpuModel g = model(name);
    for (int64_t n : {1024, 4096, 12288})
      for (int64_t k : {1024, 4096, 8192}) {
        double prev = 0;
        for (int64_t m = 1; m <= 8192; m += (m < 64 ? 1 : 37)) {
          const double t = gemm_ns(g, m, n, k, DType::BF16, DType::BF16);
          EXPECT_GE(t, prev) << name << " m=" << m << " n=" << n << " k=" << k;
          prev = t;
        }
      }
    for (int64_t m : {1, 64, 512, 4096}) {
      double prev_n = 0, prev_k = 0;
      for (int64_t x = 64; x <= 32768; x += 448) {
        const double tn = gemm_ns(g, m, x, 4096, DType::BF16, DType::BF16);
        const double tk = gemm_ns(g, m, 4096, x, DType::BF16, DType::BF16);
        EXPECT_GE(tn, prev_n) << "n=" << x;
        EXPECT_GE(tk, prev_k) << "k=" << x;
        prev_n = tn, prev_k = tk;
      }
    }
  }
}

TEST(GemmModel, NeverBeatsPeakOrBandwidth) {
  for (const char* name : {"h100-sxm", "h200-sxm", "b200"}) {
    const GpuModel g = model(name);
    for (DType w : {DType::BF16, DType::F8E4M3})
      for (int64_t m : {1, 7, 128, 1000, 4096, 16384})
        for (int64_t n : {128, 5120, 28672})
          for (int64_t k : {256, 8192}) {
            const double t = gemm_ns(g, m, n, k, w, DType::BF16) * 1e-9;
            const double flops = 2.0 * double(m) * double(n) * double(k);
            const double bytes = double(m * k * 2 + k * n * int64_t(dtype_size(w)) + m * n * 2);
            EXPECT_GE(t, flops / g.gpu.matmul_flops(w)) << name << " " << m << "x" << n << "x" << k;
            EXPECT_GE(t, bytes / g.gpu.hbm_bytes_per_s()) << name << " " << m << "x" << n << "x" << k;
          }
  }
}

TEST(GemmModel, Fp8IsFasterForLargeShapes) {
  const GpuModel g = model("h100-sxm");
  EXPECT_LT(gemm_ns(g, 8192, 8192, 8192, DType::F8E4M3, DType::BF16),
            0.7 * gemm_ns(g, 8192, 8192, 8192, DType::BF16, DType::BF16));
}

TEST(GemmModel, WaveQuantizationShowsOneTileBeyondAFullWave) {
  // 132 SMs: 132 tiles of 128 x 256 fill one wave. One more row needs a second wave of
  // them, or 3 waves of 64 x 256 tiles (1.5 of the big ones), or 1,100 tiles of 64 x 64 in
  // 9 waves of 1/8 the work (1.125): the model picks the best, as cuBLAS's heuristics do.
  const GpuModel g = model("h100-sxm");
  const double full = gemm_ns(g, 128 * 12, 256 * 11, 8192, DType::BF16, DType::BF16);
  const double over = gemm_ns(g, 128 * 12 + 1, 256 * 11, 8192, DType::BF16, DType::BF16);
  const double launch = g.cal.gemm.launch_us * 1e3;
  EXPECT_NEAR((over - launch) / (full - launch), 1.125, 0.001);
}

TEST(MemoryModel, NeverBeatsBandwidthAndGrowsWithBytes) {
  const GpuModel g = model("h100-sxm");
  for (OpKind k : {OpKind::Norm, OpKind::Add, OpKind::Rope, OpKind::Act, OpKind::Embedding}) {
    double prev = 0;
    for (int64_t rows = 1; rows <= 65536; rows *= 2) {
      const double row_bytes = 16384, bytes = double(rows) * row_bytes;
      const double t = memory_kernel_ns(g, k, bytes, rows, row_bytes);
      EXPECT_GE(t * 1e-9, bytes / g.gpu.hbm_bytes_per_s()) << op_kind_name(k) << " rows=" << rows;
      EXPECT_GE(t, prev);
      prev = t;
    }
  }
}

TEST(AllReduceModel, NeverBeatsNvlinkAndGrowsWithBytesAndGpus) {
  const GpuModel g = model("h100-sxm");
  EXPECT_EQ(allreduce_ns(g, 1e6, 1), 0);
  for (int64_t n : {2, 4, 8}) {
    double prev = 0;
    for (double bytes = 1024; bytes < 1e9; bytes *= 3) {
      const double t = allreduce_ns(g, bytes, n);
      const double wire = 2.0 * double(n - 1) / double(n) * bytes / g.gpu.nvlink_unidirectional_bytes_per_s();
      EXPECT_GE(t * 1e-9, wire);
      EXPECT_GT(t, prev);
      EXPECT_GE(t, allreduce_ns(g, bytes, n / 2));
      prev = t;
    }
  }
}

}  // namespace
}  // namespace npulab::gpu
