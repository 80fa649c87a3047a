// Simulates single step programs of a deployment, timing-only: the ground truth the
// performance table is built from (and checked against). A decode program of `batch`
// sequences, each `context` tokens into its KV cache (all at the same position: the
// compiler's decode programs); a prefill chunk of `tokens` tokens after `context` cached ones. Programs are compiled by llm/compile exactly as the runner
// compiles them (llm::compile::compile_step of the deployment's tensor-parallel layout: one
// program per NeuronCore of tp x lnc, with their collectives) and run on a sim::Chip of the
// deployment's chip. One StepSimulator per thread: it owns its chip.
#pragma once
#include <cstdint>
#include <map>
#include <memory>

#include "llm/compile/step_compiler.h"
#include "llm/compile/tp_layout.h"
#include "serve/npu_deployment.h"
#include "sim/simulator.h"

namespace npulab::serve {

class StepSimulator {
 public:
  explicit StepSimulator(const NpuDeployment& d);
  ~StepSimulator();

  double decode_ns(int64_t batch, int64_t context);
  // `logits`: the chunk that ends a prompt also computes the next token's logits.
  double prefill_ns(int64_t tokens, int64_t context, bool logits);
  // Tokens per prefill program: the chip's tensor columns (128), halved while a chunk's
  // activations overflow SBUF (wide models), as llm::runtime::ModelRunner does.
  int64_t prefill_chunk();
  // The step programs themselves (for the table's compiler fingerprint).
  llm::compile::StepProgram compile_decode(int64_t batch, int64_t context);
  llm::compile::StepProgram compile_prefill(int64_t tokens, int64_t context, bool logits);
  double simulate(const llm::compile::StepProgram& p);

 private:
  const llm::compile::TpLayout& layout(int64_t batch, int64_t context);
  NpuDeployment d_;
  arch::ChipConfig timing_chip_;  // d_.chip with room for any grid point's KV cache
  std::map<std::pair<int64_t, int64_t>, std::unique_ptr<llm::compile::TpLayout>> layouts_;
  std::unique_ptr<sim::Chip> chip_;
  int64_t chunk_ = 0;
};

}  // namespace npulab::serve
