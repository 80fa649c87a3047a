// The GPU step model (gpu/step_model.h): never faster than the physical limits of the
// reference's "Physical limits" (decode >= weight bytes / (GPUs x HBM bandwidth), prefill >=
// FLOPs / (GPUs x peak)), growing with batch and context, and its deployment errors.
#include "gpu/step_model.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "llm/builtin_configs.h"

namespace npulab::gpu {
namespace {

GpuDeployment deployment(const std::string& system, const std::string& model, int64_t tp,
                         DType w = DType::BF16) {
  const auto path = arch::ChipSearchPath::from_list(std::string(NPULAB_SOURCE_DIR) + "/hw", "test");
  GpuDeployment d;
  d.model = *llm::builtin_config(model);
  d.system = arch::load_gpu_system(system, path);
  d.cal = arch::load_gpu_calibration_by_name(d.system.gpu.calibration, path);
  d.weight_dtype = w;
  d.tp = tp;
  d.max_context = 8192;
  return d;
}

std::vector<serve::SeqStep> batch(int64_t n, int64_t context, int64_t new_tokens) {
  return std::vector<serve::SeqStep>(size_t(n), serve::SeqStep{context, new_tokens, true, nullptr});
}

TEST(StepModel, DecodeNeverBeatsStreamingTheWeights) {
  for (auto [sys, model, tp] : {std::tuple{"h100", "llama-3.1-8b", 1}, {"8xh100", "llama-3.1-70b", 8},
                                {"8xh200", "llama-3.1-70b", 4}, {"8xb200", "llama-3.1-70b", 8}})
    for (DType w : {DType::BF16, DType::F8E4M3}) {
      const GpuDeployment d = deployment(sys, model, tp, w);
      for (int64_t b : {1, 8, 64, 256}) {
        const double ns = step_time(d, batch(b, 2048, 1)).total_ns();
        const double kv = double(b) * 2048 * 2 * double(d.model.n_layers * d.model.kv_dim()) * 2 / double(tp);
        const double floor_s = (d.weight_bytes_per_gpu() + kv) / d.system.gpu.hbm_bytes_per_s();
        EXPECT_GE(ns * 1e-9, floor_s) << sys << " " << model << " batch " << b;
        EXPECT_LT(ns * 1e-9, 4 * floor_s + 0.01) << sys << " " << model << " batch " << b;  // and not absurdly slow
      }
    }
}

TEST(StepModel, PrefillNeverBeatsThePeak) {
  const GpuDeployment d = deployment("8xh100", "llama-3.1-70b", 8);
  for (int64_t len : {512, 2048, 8000}) {
    const double ns = step_time(d, batch(1, 0, len)).total_ns();
    const double flops = 2.0 * double(d.model.param_count()) * double(len);
    EXPECT_GE(ns * 1e-9, flops / (8 * d.system.gpu.matmul_flops(DType::BF16))) << len;
  }
}

TEST(StepModel, GrowsWithBatchContextAndNewTokens) {
  const GpuDeployment d = deployment("h100", "llama-3.1-8b", 1);
  double prev = 0;
  for (int64_t b = 1; b <= 512; b *= 2) {
    const double ns = step_time(d, batch(b, 1024, 1)).total_ns();
    EXPECT_GT(ns, prev) << b;
    prev = ns;
  }
  EXPECT_GT(step_time(d, batch(16, 8000, 1)).attention_ns, step_time(d, batch(16, 1000, 1)).attention_ns);
  EXPECT_GT(step_time(d, batch(1, 0, 4096)).total_ns(), step_time(d, batch(1, 0, 1024)).total_ns());
  EXPECT_EQ(step_time(d, {}).total_ns(), 0);
}

TEST(StepModel, TensorParallelismSplitsTheWorkAndPaysAllReduces) {
  const GpuDeployment tp2 = deployment("8xh100", "llama-3.1-70b", 2), tp8 = deployment("8xh100", "llama-3.1-70b", 8);
  const StepTime a = step_time(tp2, batch(32, 1024, 1)), b = step_time(tp8, batch(32, 1024, 1));
  EXPECT_LT(b.gemm_ns, a.gemm_ns);
  EXPECT_GT(b.allreduce_ns, 0);
  EXPECT_LT(b.total_ns(), a.total_ns());
  EXPECT_EQ(step_time(deployment("h100", "llama-3.1-8b", 1), batch(4, 10, 1)).allreduce_ns, 0);
}

TEST(StepModel, PerfModelMemoryAndErrors) {
  const GpuPerfModel pm(deployment("8xh100", "llama-3.1-70b", 8), 8192);
  const serve::KvMemory m = pm.memory();
  EXPECT_EQ(m.bytes_per_token, 80 * 2 * 1024 * 2);
  // Less than the board's memory left after the weights, more than nothing.
  EXPECT_LT(double(m.capacity_bytes), 8 * 80e9 - 141e9);
  EXPECT_GT(double(m.capacity_bytes), 200e9);
  EXPECT_NE(pm.describe().find("TP8"), std::string::npos);
  auto expect = [](GpuDeployment d, const std::string& part) {
    try {
      GpuPerfModel(d, 8192);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expect(deployment("8xh100", "llama-3.1-70b", 1), "a h100-sxm holds 80.0 GB");  // 70B BF16 on one 80 GB GPU
  expect(deployment("8xh100", "llama-3.1-70b", 3), "--tp 3: expected a divisor of the 8 GPUs");
  expect(deployment("h100", "llama-3.1-8b", 1, DType::F32), "--dtype f32");
}

}  // namespace
}  // namespace npulab::gpu

namespace npulab::gpu {
namespace {

// An FP8 KV cache (a stack's fp8_kv_cache with FP8 weights) halves the cache's bytes per
// token and the K/V bytes decode attention reads, so long-context decode gets faster, never
// slower, and nothing else changes.
TEST(StepModel, Fp8KvCacheHalvesCacheBytes) {
  GpuDeployment b = deployment("h100", "llama-3.1-8b", 1, DType::F8E4M3);
  GpuDeployment f = b;
  f.kv_dtype = DType::F8E4M3;
  EXPECT_EQ(gpu_kv_memory(b, 512).bytes_per_token, 2 * gpu_kv_memory(f, 512).bytes_per_token);
  std::vector<serve::SeqStep> step(64, serve::SeqStep{4000, 1, true, nullptr});
  const StepTime tb = step_time(b, step), tf = step_time(f, step);
  EXPECT_LT(tf.attention_ns, tb.attention_ns);
  EXPECT_DOUBLE_EQ(tf.gemm_ns, tb.gemm_ns);
  f.kv_dtype = DType::F32;
  EXPECT_THROW(f.validate(), Error);
}

}  // namespace
}  // namespace npulab::gpu
