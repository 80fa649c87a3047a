// A serving software stack as data (hw/stacks/<name>.toml -> ServingStack): what a real
// inference server adds to, or imposes on, the hardware's step times - a small set of named
// parameters per stack (docs/SERVING.md, "Serving stacks"), each with its source:
//   - chunked_prefill: whether prompts are split over steps and mixed with decode (vLLM and
//     TensorRT-LLM on GPUs) or each prompt runs whole in a step of its own (vLLM on Neuron);
//   - max_num_batched_tokens: the stack's default token budget per step;
//   - decode_batch_sizes: the batch sizes a decode step is padded up to (CUDA-graph capture
//     sizes; Neuron's compiled batch sizes); `pad_to_max_batch`: always the engine's
//     max-num-seqs (a Neuron model compiled for one batch size);
//   - prefill_buckets / decode_context_buckets: the compiled sequence lengths a prompt and
//     a decode step's attention span are padded up to (Neuron's context-encoding and
//     token-generation buckets); empty = exact shapes;
//   - step_overhead_us: host time per engine step (scheduling, input preparation,
//     sampling, launching the step) that does not overlap the device.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "arch/chip_search.h"

namespace npulab::arch {

struct ServingStack {
  std::string name, description, source_file;
  std::string serves;  // the system kind it runs on by default ("chip" or "gpu-system")
  bool chunked_prefill = true;
  // With FP8 weights the KV cache is FP8 E4M3 too (TensorRT-LLM's FP8 recipes; vLLM's
  // --kv-cache-dtype fp8): half the cache bytes per token, read and stored. Systems whose
  // compiler fixes the cache dtype (the simulated chip: BF16) ignore it.
  bool fp8_kv_cache = false;
  int64_t max_num_batched_tokens = 0;
  bool pad_to_max_batch = false;
  std::vector<int64_t> decode_batch_sizes, prefill_buckets, decode_context_buckets;
  double step_overhead_us = 0;
  std::string step_overhead_source;
};

ServingStack load_stack(const std::string& path);
ServingStack load_stack_from_string(std::string_view text, const std::string& source_name);
// By name on `path` (<dir>/stacks/<name>.toml) or from a file path.
ServingStack load_stack_by_name(const std::string& name_or_path, const ChipSearchPath& path);
std::vector<std::string> stack_names(const ChipSearchPath& path);

}  // namespace npulab::arch
