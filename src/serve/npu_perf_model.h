// The simulated chip as a PerfModel: a step's time from the performance table of its
// deployment, the step lowered to the programs llm/compile builds for it -
//   - the sequences adding one token (decode, or the last token of a prompt) as decode
//     programs of up to max_batch sequences, timed at their mean context (attention work is
//     linear in each sequence's keys);
//   - every other sequence's tokens as prefill chunks of up to prefill_chunk tokens, the
//     chunk that ends a prompt with the logits;
// run one after another on the deployment's NeuronCores. Memory for the KV cache: the chip's HBM
// minus the model's weights and tables (as llm::compile::ModelLayout places them) and the
// step programs' own HBM (token staging and logits of the largest step).
#pragma once
#include <functional>
#include <string>

#include "serve/npu_deployment.h"
#include "serve/perf_table.h"
#include "serve/step.h"

namespace npulab::serve {

// One step program a step is lowered to: a decode program of `tokens` sequences at mean
// context `context`, or a prefill chunk of `tokens` tokens after `context` cached ones
// (`logits`: it ends a prompt and computes the next token's logits; decode always does, unless the
// deployment computes none: a pipeline's earlier stages).
struct StepProgramShape {
  bool decode = false;
  int64_t tokens = 0;
  double context = 0;
  bool logits = false;
};
using ProgramVisitor = std::function<void(const StepProgramShape&)>;

class NpuPerfModel : public PerfModel {
 public:
  NpuPerfModel(NpuDeployment d, PerfTable t);
  std::string describe() const override { return d_.describe(); }
  KvMemory memory() const override;
  double step_ns(std::span<const SeqStep> step) override;
  // The programs `step` is lowered to, in the order they run (the lowering above).
  void for_each_program(std::span<const SeqStep> step, const ProgramVisitor& visit) const;
  double program_ns(const StepProgramShape& p) const;  // from the table
  const PerfTable& table() const { return t_; }
  const NpuDeployment& deployment() const { return d_; }

 private:
  NpuDeployment d_;
  PerfTable t_;
};

// Memory of a deployment (also what the functional backend sizes its KV pool with).
KvMemory npu_kv_memory(const NpuDeployment& d);

}  // namespace npulab::serve
