#include "serve/npu_deployment.h"

#include <fmt/format.h>

#include "common/error.h"

namespace npulab::serve {

llm::compile::CompileOptions NpuDeployment::compile_options(int64_t batch) const {
  llm::compile::CompileOptions o;
  o.weight_dtype = weight_dtype;
  o.max_context = max_context;
  o.batch = batch;
  o.resident_weights = resident_weights;
  return o;
}

std::string NpuDeployment::describe() const {
  return fmt::format("{} {} on {} ({} of {} NeuronCores, TP{})", model.name, dtype_name(weight_dtype), chip.name, tp,
                     chip.cores_per_chip, tp);
}

void NpuDeployment::validate() const {
  if (tp != 1)
    fail("--tp {}: the step compiler runs a model on one NeuronCore so far (tensor parallelism over a chip's "
         "cores is being added to llm/compile); use --tp 1",
         tp);
  if (max_context < 2) fail("max context {}: expected at least 2 tokens", max_context);
  if (max_context > model.max_seq_len)
    fail("max context {} exceeds the {} tokens model '{}' supports", max_context, model.max_seq_len, model.name);
  if (max_batch < 1 || max_batch > int64_t(chip.tensor.cols))
    fail("decode batch {}: the step programs take 1 to {} sequences (the tensor engine's columns)", max_batch,
         chip.tensor.cols);
}

}  // namespace npulab::serve
