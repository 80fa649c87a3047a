// Each kind's runner on one cheap case gives a physically sane prediction (bounds from the
// hardware description, never the published value).
#include <gtest/gtest.h>

#include "arch/chip.h"
#include "arch/gpu.h"
#include "validate/case.h"
#include "validate/report.h"

namespace npulab::validate {
namespace {

Prediction run_one(const std::string& kind, const std::string& setup, const std::string& metric) {
  const std::string text = "[[case]]\nid = \"t\"\nsource = \"S\"\ntrust = \"M\"\nkind = \"" + kind +
                           "\"\ntests = \"t\"\n[case.setup]\n" + setup + "[case.measured]\n\"" + metric + "\" = 1\n";
  const auto cases = load_case_text(text, "test.toml");
  RunContext ctx;
  ctx.threads = 2;
  return cases.at(0).run(ctx);
}

TEST(ValidationKinds, ServingOnAGpuRespectsTheBandwidthBound) {
  const Prediction p = run_one("serving",
                               "system = \"h100\"\nmodel = \"llama-3.1-8b\"\ndtype = \"fp8\"\ntp = 1\nisl = \"256\"\n"
                               "osl = \"32\"\nrequests = 16\nload = \"concurrency\"\nconcurrency = 4\n",
                               "tpot_ms.p50");
  EXPECT_EQ(p.system_kind, "gpu");
  const arch::GpuSpec h100 = arch::load_gpu_by_name("h100-sxm", arch::ChipSearchPath::standard());
  // A decode step reads every FP8 weight once: >= 8.03 GB / HBM bandwidth.
  const double floor_ms = 8.03e9 / h100.hbm_bytes_per_s() * 1e3;
  EXPECT_GE(p.metrics.at("tpot_ms.p50"), floor_ms);
  EXPECT_LT(p.metrics.at("tpot_ms.p50"), 20 * floor_ms);
  EXPECT_GT(p.metrics.at("ttft_ms.p50"), 0);
  // 4 requests in flight, one token each per step.
  EXPECT_LT(p.metrics.at("output_tok_s"), 4 * 1e3 / floor_ms);
}

TEST(ValidationKinds, ServingOnTheSimulatedChip) {
  const Prediction p = run_one("serving",
                               "system = \"trn2\"\nmodel = \"llama-3.1-8b\"\ndtype = \"bf16\"\ntp = 4\nisl = \"128\"\n"
                               "osl = \"8\"\nrequests = 2\nload = \"concurrency\"\nconcurrency = 1\nmax_model_len = 256\n",
                               "tpot_ms.mean");
  EXPECT_EQ(p.system_kind, "npu");
  const arch::ChipConfig trn2 = arch::load_chip_by_name("trn2", arch::ChipSearchPath::standard());
  // BF16 weights of Llama-3.1-8B (16.06 GB) read once per decode step from the chip's HBM.
  const double floor_ms = 16.06e9 / (arch::derive_peaks(trn2).hbm_gbps_chip * 1e9) * 1e3;
  EXPECT_GE(p.metrics.at("tpot_ms.mean"), floor_ms);
  EXPECT_LT(p.metrics.at("tpot_ms.mean"), 20 * floor_ms);
}

TEST(ValidationKinds, KernelNeverBeatsThePePeak) {
  const Prediction p =
      run_one("kernel", "hw = \"trn1\"\nkernel = \"gemm\"\ndtype = \"bf16\"\nm = 512\nn = 1024\nk = 1024\nlayout = \"km\"\n",
              "time_us");
  const arch::ChipConfig trn1 = arch::load_chip_by_name("trn1", arch::ChipSearchPath::standard());
  const double peak = arch::derive_peaks(trn1).tensor_tflops_bf16_core;
  EXPECT_LE(p.metrics.at("tflops"), peak);
  EXPECT_GT(p.metrics.at("tflops"), 0.05 * peak);
  EXPECT_NEAR(p.metrics.at("time_us"), 2.0 * 512 * 1024 * 1024 / (p.metrics.at("tflops") * 1e6), 1e-6);
}

TEST(ValidationKinds, CollectiveBandwidthIsBounded) {
  const Prediction p =
      run_one("collective", "hw = \"trn1\"\ncollective = \"all-reduce\"\ncores = 2\ndtype = \"f32\"\nbytes = 4194304\n",
              "time_us");
  EXPECT_GT(p.metrics.at("time_us"), 0);
  // Two ranks: busbw = algbw; never above the DMA bandwidth of one core.
  const arch::ChipConfig trn1 = arch::load_chip_by_name("trn1", arch::ChipSearchPath::standard());
  EXPECT_NEAR(p.metrics.at("busbw_gbps"), p.metrics.at("algbw_gbps"), 1e-9);
  EXPECT_LT(p.metrics.at("busbw_gbps"), arch::derive_peaks(trn1).dma_gbps_core);
}

TEST(ValidationKinds, NcclNeverBeatsOneDirectionOfNvlink) {
  const Prediction p = run_one("nccl", "system = \"8xh100\"\nbytes = 1073741824\n", "busbw_gbps");
  const arch::GpuSpec h100 = arch::load_gpu_by_name("h100-sxm", arch::ChipSearchPath::standard());
  EXPECT_LT(p.metrics.at("busbw_gbps"), h100.nvlink_unidirectional_bytes_per_s() / 1e9);
  EXPECT_GT(p.metrics.at("busbw_gbps"), 0.3 * h100.nvlink_unidirectional_bytes_per_s() / 1e9);
  EXPECT_NEAR(p.metrics.at("busbw_gbps"), p.metrics.at("algbw_gbps") * 2 * 7 / 8, 1e-9);
}

TEST(ValidationReport, StatsAndFamilies) {
  std::vector<Comparison> rows = {{"a", "serving", "ttft_ms.p50", "npu", 100, 110, 10},
                                  {"a", "serving", "tpot_ms.p50", "npu", 10, 7, -30},
                                  {"b", "serving", "output_tok_s", "gpu", 100, 95, -5}};
  const ErrorStats s = error_stats(rows);
  EXPECT_EQ(s.points, 3u);
  EXPECT_EQ(s.cases, 2u);
  EXPECT_DOUBLE_EQ(s.median_abs_pct, 10);
  EXPECT_EQ(s.worst.metric, "tpot_ms.p50");
  EXPECT_EQ(metric_family("ttft_ms.p99"), "ttft");
  EXPECT_EQ(metric_family("itl_ms.mean"), "tpot");
  EXPECT_EQ(metric_family("request_s"), "throughput");
  EXPECT_EQ(metric_family("time_us"), "");
}

}  // namespace
}  // namespace npulab::validate
