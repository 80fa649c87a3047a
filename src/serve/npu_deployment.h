// A model deployed on the simulated chip, as the performance model and the functional
// backend see it: model config, chip description, weight dtype, parallelism and the limits
// the engine runs under. Data, not code: another chip is another hw/*.toml.
#pragma once
#include <cstdint>
#include <string>

#include "arch/chip.h"
#include "llm/compile/model_layout.h"
#include "llm/model_config.h"
#include "numerics/dtype.h"

namespace npulab::serve {

struct NpuDeployment {
  llm::ModelConfig model;
  arch::ChipConfig chip;
  DType weight_dtype = DType::BF16;
  int64_t tp = 1;             // logical NeuronCores the model is split over (tensor parallelism)
  int64_t lnc = 1;            // physical cores per logical core (the chip's lnc_default is the caller's choice)
  int64_t max_context = 0;    // longest sequence (prompt + output); the step programs' KV context
  int64_t max_batch = 128;    // sequences per decode program at most
  bool resident_weights = true;  // as llm::compile::CompileOptions::resident_weights
  // The step programs end with the classifier (logits). A pipeline's stages before the last
  // hand their activations on instead (serve/pipeline_perf_model.h): no logits, no all-gather.
  bool logits = true;
  // What the deployment padded for its TP degree (llm/compile/tp_padding.h; `model` is the
  // padded model), "" = nothing: for describe() only.
  std::string padding;

  // Compile options of a step program for `batch` sequences (the KV cache sized to them).
  llm::compile::CompileOptions compile_options(int64_t batch) const;
  // "llama-3.1-8b bf16 on trn2 (TP4 x LNC2: NeuronCores 0-7 of 8)"
  std::string describe() const;
  int64_t cores() const { return tp * lnc; }  // physical NeuronCores the step programs run on
  void validate() const;  // clear errors for what the compiler does not support (yet)
};

}  // namespace npulab::serve
