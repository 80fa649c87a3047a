#include "serve/npu_deployment.h"

#include <fmt/format.h>

#include "common/error.h"
#include "llm/compile/tp_plan.h"

namespace npulab::serve {

llm::compile::CompileOptions NpuDeployment::compile_options(int64_t batch) const {
  llm::compile::CompileOptions o;
  o.weight_dtype = weight_dtype;
  o.max_context = max_context;
  o.batch = batch;
  o.resident_weights = resident_weights;
  o.tp = tp;
  o.lnc = lnc;
  return o;
}

std::string NpuDeployment::describe() const {
  const int64_t n = cores();
  return fmt::format("{} {} on {} (TP{} x LNC{}: NeuronCore{} {} of {}{}{})", model.name, dtype_name(weight_dtype),
                     chip.name, tp, lnc, n == 1 ? "" : "s", n == 1 ? "0" : fmt::format("0-{}", n - 1),
                     chip.cores_per_chip, logits ? "" : "; no logits", padding.empty() ? "" : "; " + padding);
}

void NpuDeployment::validate() const {
  llm::compile::tp_ranks(model, chip, tp, lnc);  // names --tp / --lnc and what divides
  if (max_context < 2) fail("max context {}: expected at least 2 tokens", max_context);
  if (max_context > model.max_seq_len)
    fail("max context {} exceeds the {} tokens model '{}' supports", max_context, model.max_seq_len, model.name);
  if (max_batch < 1 || max_batch > int64_t(chip.tensor.cols))
    fail("decode batch {}: the step programs take 1 to {} sequences (the tensor engine's columns)", max_batch,
         chip.tensor.cols);
}

}  // namespace npulab::serve
