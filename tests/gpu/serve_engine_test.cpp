// gpu::GpuPerfModel drives the serving engine (serve/engine.h) as the simulated chip's
// PerfModel does: every request of a fixed-concurrency run finishes, its KV cache is sized
// from the model's memory(), and the decode steps are never faster than streaming the
// weights from HBM.
#include <gtest/gtest.h>

#include "gpu/step_model.h"
#include "llm/builtin_configs.h"
#include "serve/engine.h"
#include "serve/metrics.h"

namespace npulab::gpu {
namespace {

TEST(GpuServe, FixedConcurrencyRunOnEightH100) {
  const auto path = arch::ChipSearchPath::from_list(std::string(NPULAB_SOURCE_DIR) + "/hw", "test");
  GpuDeployment d;
  d.model = *llm::builtin_config("llama-3.1-70b");
  d.system = arch::load_gpu_system("8xh100", path);
  d.cal = arch::load_gpu_calibration_by_name(d.system.gpu.calibration, path);
  d.tp = 8;
  d.max_context = 2048;
  serve::EngineOptions o;
  o.scheduler.max_num_batched_tokens = 2048;
  o.scheduler.max_num_seqs = 64;
  o.scheduler.max_model_len = d.max_context;
  GpuPerfModel pm(d, o.scheduler.max_num_batched_tokens);
  const serve::KvMemory kv = pm.memory();
  o.scheduler.num_blocks = kv.capacity_bytes / (kv.bytes_per_token * o.scheduler.block_size);
  std::vector<serve::Request> reqs;
  for (int64_t i = 0; i < 64; ++i) {
    serve::Request r;
    r.id = i;
    r.prompt = serve::PromptTokens::synthetic(1024, 1000 + uint64_t(i), d.model.vocab_size);
    r.max_tokens = 64;
    r.seed = uint64_t(i);
    reqs.push_back(r);
  }
  serve::TimingBackend be(pm);
  const serve::EngineRun run = serve::run_engine(o, be, reqs);
  const serve::Summary s = serve::summarize(run, {});
  EXPECT_EQ(s.completed, 64);
  EXPECT_EQ(s.preemptions, 0);
  const double floor_ms = d.weight_bytes_per_gpu() / d.system.gpu.hbm_bytes_per_s() * 1e3;
  EXPECT_GT(s.tpot.mean, floor_ms);
  EXPECT_LT(s.tpot.mean, 10 * floor_ms);
  EXPECT_GT(s.output_tok_s, 0);
}

}  // namespace
}  // namespace npulab::gpu
