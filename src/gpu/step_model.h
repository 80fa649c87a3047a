// A transformer step on a tensor-parallel group of GPUs, from the operator model
// (gpu/op_model.h): for the step's T new tokens every layer runs layer_ops(T) plus its
// attention over each sequence's context, then the sampled rows' final norm, LM head and
// logits gather, plus the host's per-step overhead; kernels run one after another (one
// CUDA stream, as vLLM and TensorRT-LLM run a TP rank). The GPU implementation of the
// serving engine's PerfModel (serve/step.h) is GpuPerfModel.
#pragma once
#include <span>
#include <string>

#include "arch/gpu.h"
#include "gpu/op_model.h"
#include "llm/model_config.h"
#include "serve/step.h"

namespace npulab::gpu {

// A model served by one tensor-parallel group of a GPU system.
struct GpuDeployment {
  llm::ModelConfig model;
  arch::GpuSystem system;
  arch::GpuCalibration cal;
  DType weight_dtype = DType::BF16;  // BF16, F16 or FP8 (E4M3) weights; activations and KV in BF16
  int64_t tp = 1;                    // GPUs of the group (a divisor of the system's GPUs)
  int64_t max_context = 0;           // longest sequence (prompt + output)
  DType kv_dtype = DType::BF16;      // BF16, or F8E4M3 (a stack's fp8_kv_cache with FP8 weights)

  GpuModel op_model() const { return {system.gpu, cal}; }
  LayerShape shape() const;
  // "llama-3.1-70b bf16 on 8xh100 (TP8 over 8 h100-sxm; calibration vidur-h100)"
  std::string describe() const;
  void validate() const;  // clear errors naming the option (--tp, --dtype, max context)
  // Bytes of the weights on each GPU of the group.
  double weight_bytes_per_gpu() const;
};

// Where a step's time goes, nanoseconds.
struct StepTime {
  // host_ns: the serving stack's per-step host time (arch/stack.h), filled in by callers that
  // apply a stack (step_time leaves it 0: the device's kernels only).
  double gemm_ns = 0, attention_ns = 0, memory_ns = 0, allreduce_ns = 0, host_ns = 0;
  double total_ns() const { return gemm_ns + attention_ns + memory_ns + allreduce_ns + host_ns; }
};

// The step's time: `step` lists each sequence's context and new tokens (serve::SeqStep).
StepTime step_time(const GpuDeployment& d, std::span<const serve::SeqStep> step);

// The deployment's KV-cache memory: the group's HBM x memory_utilization, less the weights
// and an activation reserve for `max_batched_tokens` tokens (the largest step).
serve::KvMemory gpu_kv_memory(const GpuDeployment& d, int64_t max_batched_tokens);

class GpuPerfModel : public serve::PerfModel {
 public:
  GpuPerfModel(GpuDeployment d, int64_t max_batched_tokens);
  std::string describe() const override { return d_.describe(); }
  serve::KvMemory memory() const override { return gpu_kv_memory(d_, max_batched_tokens_); }
  double step_ns(std::span<const serve::SeqStep> step) override { return step_time(d_, step).total_ns(); }
  const GpuDeployment& deployment() const { return d_; }

 private:
  GpuDeployment d_;
  int64_t max_batched_tokens_;
};

}  // namespace npulab::gpu
