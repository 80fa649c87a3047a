// A model deployed on a named system, as the serving engine sees it: the performance model
// of its steps (serve::PerfModel), the devices it occupies (for prices and power) and the
// parallelism chosen. One interface, one implementation per kind of system, registered by
// kind (deploy/system_kind.h): a chip file (hw/<name>.toml: the simulated NeuronCore chip,
// step times from simulated step programs) or a GPU system (hw/systems/<name>.toml: the GPU
// operator model). Which kind a name is comes from where its file is found, never from the
// name's spelling, so a new chip or GPU system is a new hw file, not new code.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arch/chip_search.h"
#include "arch/stack.h"
#include "llm/model_config.h"
#include "numerics/dtype.h"
#include "serve/step.h"

namespace npulab::deploy {

// What a deployment needs besides the system: the model and the engine's limits.
struct DeploySpec {
  llm::ModelConfig model;
  DType weight_dtype = DType::BF16;
  int64_t tp = 0;  // of one replica; 0 = the replica's whole share of the system (every device / logical core)
  // Data-parallel replicas of the tp-wide deployment, each its own engine (serve/engine.h).
  // 0 = as many as the system holds (with tp = 0 too: one, over the whole system); a replica
  // then gets 1/dp of the system's devices for its default tp.
  int64_t dp = 0;
  // Pipeline parallelism (multi-chip systems): stages of consecutive layers, each a TP group
  // of tp (serve/pipeline_perf_model.h); engines sharing each pipeline, each with its own
  // scheduler and 1/virtual_engines of the KV cache (0 = pp, as vLLM); micro-batches per step
  // (0 = 1 with several virtual engines, else pp).
  int64_t pp = 1;
  int64_t virtual_engines = 0;
  int64_t micro_batches = 0;
  int64_t max_context = 0;          // longest sequence (prompt + output)
  int64_t max_batch = 128;          // running sequences at most
  int64_t max_batched_tokens = 0;   // tokens per step at most; 0 = the stack's default (512 without one)
  // The serving stack (hw/stacks/<name>.toml): "" = the system kind's default, "none" =
  // the hardware alone (no padding, no host time, chunked prefill).
  std::string stack;
  bool fp8_kv_cache = false;  // set from the resolved stack (arch::ServingStack::fp8_kv_cache)
  // Simulated systems only: the performance-table cache ("" = none) and host threads.
  std::string cache_dir;
  int threads = 1;
  std::function<void(int64_t done, int64_t total)> progress;  // table building, may be empty
};

struct SystemModel {
  std::string system;   // the name or path given
  std::string kind;     // the registered kind that built it ("chip", "gpu-system")
  std::string family;   // "npu" or "gpu" (deploy/system_kind.h)
  std::string device;   // the accelerator's hw name ("trn2", "h100-sxm"): prices and power
  int64_t devices = 1;  // how many of them the deployment occupies: all replicas (prices, power)
  int64_t tp = 1;       // the tensor parallelism used by one replica
  int64_t pp = 1;       // pipeline stages of one replica (each a TP group of `tp`)
  int64_t virtual_engines = 1;  // engines sharing one replica's devices (a pipeline's), each its own scheduler
  int64_t dp = 1;       // data-parallel replicas, each `devices / dp` devices running `perf`
  int64_t system_devices = 1;  // the system's whole width (chips or GPUs)
  std::string note;     // how the model was obtained ("performance table from the cache ...")
  std::optional<arch::ServingStack> stack;  // none: the hardware alone
  // The engine's schedule under the stack: chunked prefill or whole prompts, and the token
  // budget per step (without chunked prefill at least the longest sequence).
  bool chunked_prefill = true;
  int64_t max_num_batched_tokens = 512;
  // The stack's view of one replica's steps. Replicas are identical and a step's time depends
  // only on its shape, so every replica's engine asks this one model.
  std::unique_ptr<serve::PerfModel> perf;
};

// The engines' backends of a deployment: dp x virtual_engines, replica r's engines timed on
// device group r (serve::PerfModel::step_ns_at), in that order.
std::vector<std::unique_ptr<serve::TimingBackend>> engine_backends(const SystemModel& m);
// Their pointers, as serve::run_engine takes them.
std::vector<serve::StepBackend*> backend_ptrs(const std::vector<std::unique_ptr<serve::TimingBackend>>& b);

// Resolves `system` on `path` to its kind and deploys `spec` on it. Throws npulab::Error
// naming the system (unknown names list every kind's names) or the option at fault.
SystemModel make_system_model(const std::string& system, const DeploySpec& spec, const arch::ChipSearchPath& path);

}  // namespace npulab::deploy
