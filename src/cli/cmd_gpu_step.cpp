// `npulab gpu-step`: the GPU model's time for one engine step of a batch - `--batch`
// sequences each adding `--new-tokens` tokens to `--context` tokens already cached - on a
// GPU system (hw/systems/<name>.toml) with tensor parallelism `--tp`, and where the time
// goes (docs/GPU.md). The serving engine asks the same model through gpu::GpuPerfModel.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "arch/gpu.h"
#include "arch/stack.h"
#include "cli/command.h"
#include "common/error.h"
#include "gpu/step_model.h"
#include "llm/builtin_configs.h"
#include "llm/config_source.h"
#include "llm/hf_config.h"

namespace npulab::cli {
namespace {

struct Args {
  std::string system = "h100", model = "llama-3.1-8b", dtype = "bf16", stack = "vllm-gpu";
  int64_t tp = 1, batch = 1, context = 0, new_tokens = 1, max_context = 0;
  bool json = false;
};

// A built-in config name, a Hugging Face config.json or model folder, or a checkpoint.
llm::ModelConfig model_config(const std::string& m) {
  std::error_code ec;
  if (!llm::builtin_config(m) && !std::filesystem::exists(m, ec))
    fail("--model {}: not a built-in config ({}) nor a file or directory", m, fmt::join(llm::builtin_config_names(), ", "));
  return llm::config_of(m);
}

DType weight_dtype(const std::string& s) {
  if (s == "bf16") return DType::BF16;
  if (s == "f16" || s == "fp16") return DType::F16;
  if (s == "fp8" || s == "f8e4m3") return DType::F8E4M3;
  fail("--dtype {}: expected bf16, fp16 or fp8", s);
}

int run(const Args& a) {
  const arch::ChipSearchPath path = arch::ChipSearchPath::standard();
  gpu::GpuDeployment d;
  d.model = model_config(a.model);
  d.system = arch::load_gpu_system(a.system, path);
  d.cal = arch::load_gpu_calibration_by_name(d.system.gpu.calibration, path);
  d.weight_dtype = weight_dtype(a.dtype);
  d.tp = a.tp;
  d.max_context = a.max_context ? a.max_context : std::min<int64_t>(d.model.max_seq_len, a.context + a.new_tokens + 1);
  if (a.batch < 1 || a.new_tokens < 1 || a.context < 0)
    fail("--batch {} --new-tokens {} --context {}: expected at least one sequence adding at least one token", a.batch,
         a.new_tokens, a.context);
  const gpu::GpuPerfModel pm(d, a.batch * a.new_tokens);
  std::vector<serve::SeqStep> step(size_t(a.batch), serve::SeqStep{a.context, a.new_tokens, true, nullptr});
  gpu::StepTime t = gpu::step_time(d, step);
  if (a.stack != "none") t.host_ns = arch::load_stack_by_name(a.stack, path).step_overhead_us * 1e3;
  const serve::KvMemory kv = pm.memory();
  const double tokens = double(a.batch * a.new_tokens);
  if (a.json) {
    fmt::print("{}\n", nlohmann::ordered_json{{"deployment", d.describe()},
                                              {"batch", a.batch},
                                              {"context", a.context},
                                              {"new_tokens", a.new_tokens},
                                              {"step_ns", t.total_ns()},
                                              {"gemm_ns", t.gemm_ns},
                                              {"attention_ns", t.attention_ns},
                                              {"memory_bound_ns", t.memory_ns},
                                              {"allreduce_ns", t.allreduce_ns},
                                              {"host_ns", t.host_ns},
                                              {"tokens_per_s", tokens / t.total_ns() * 1e9},
                                              {"kv_cache_bytes", kv.capacity_bytes},
                                              {"kv_bytes_per_token", kv.bytes_per_token}}
                           .dump(2));
    return 0;
  }
  fmt::print("{}\n", d.describe());
  fmt::print("step: {} sequences x {} new tokens after {} cached\n", a.batch, a.new_tokens, a.context);
  auto row = [&](const char* what, double ns) {
    fmt::print("  {:<14} {:>10.3f} ms  {:>5.1f}%\n", what, ns / 1e6, 100 * ns / t.total_ns());
  };
  row("GEMMs", t.gemm_ns);
  row("attention", t.attention_ns);
  row("memory-bound", t.memory_ns);
  row("all-reduce", t.allreduce_ns);
  row("host", t.host_ns);
  fmt::print("  {:<14} {:>10.3f} ms  ({:.0f} tokens/s)\n", "step", t.total_ns() / 1e6, tokens / t.total_ns() * 1e9);
  fmt::print("KV cache: {:.1f} GB for {} tokens ({} bytes each)\n", double(kv.capacity_bytes) / 1e9,
             kv.capacity_bytes / kv.bytes_per_token, kv.bytes_per_token);
  return 0;
}

Run setup(CLI::App& app) {
  auto a = std::make_shared<Args>();
  app.add_option("--system", a->system, "GPU system (hw/systems/<name>.toml)")->capture_default_str();
  app.add_option("--model", a->model, "built-in config name or Hugging Face config.json/folder")->capture_default_str();
  app.add_option("--dtype", a->dtype, "weight dtype: bf16, fp16 or fp8")->capture_default_str();
  app.add_option("--tp", a->tp, "tensor-parallel GPUs")->capture_default_str();
  app.add_option("--stack", a->stack, "serving stack whose host time per step is added (hw/stacks/; none = kernels only)")
      ->capture_default_str();
  app.add_option("--batch", a->batch, "sequences in the step")->capture_default_str();
  app.add_option("--context", a->context, "tokens each sequence already has in its KV cache")->capture_default_str();
  app.add_option("--new-tokens", a->new_tokens, "tokens each sequence adds (1 = decode)")->capture_default_str();
  app.add_option("--max-context", a->max_context, "longest sequence the deployment serves (default: this step's)");
  app.add_flag("--json", a->json, "machine-readable");
  return [a] { return run(*a); };
}

Registrar reg{"gpu-step", "GPU model: time of one engine step of a batch on a GPU system", setup};

}  // namespace
}  // namespace npulab::cli
