// Functional serving: every step's tokens come from the compiled step programs run on a
// simulated chip with the model's real weights, so a request's output is what the model
// generates for it, whatever else shares its steps. Each running sequence holds one KV-cache
// slot of the compiled layout (llm::compile::ModelLayout: `slots` x max_context positions);
// a step runs, for each of its sequences, the prefill programs of its new tokens at its own
// position and slot (a decode is a one-token chunk), so sequences at different positions
// share a step. The step's time is the sum of those programs' simulated times, run one
// after the other on the NeuronCore (a batched program for mixed positions is not compiled
// yet: docs/SERVING.md, "Functional mode"). Tokens are sampled per request (greedy at
// temperature 0; otherwise seeded by the request's seed).
#pragma once
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "llm/reference/sampler.h"
#include "llm/runtime/model_runner.h"
#include "serve/step.h"

namespace npulab::serve {

struct FunctionalOptions {
  int64_t slots = 8;          // KV-cache slots = running sequences at most
  int64_t max_context = 0;    // positions per slot (prompt + output at most)
  DType weight_dtype = DType::F32;
  llm::reference::SamplingParams sampling;  // the seed is replaced by each request's
  sim::ChipOptions chip;
};

class FunctionalBackend : public StepBackend {
 public:
  FunctionalBackend(const llm::ModelConfig& cfg, const llm::Weights& weights, const arch::ChipConfig& chip,
                    const FunctionalOptions& o);
  StepResult run(std::span<const SeqStep> step) override;
  void release(const Sequence& s) override;
  // The slots' KV cache as the engine's block pool sees it.
  KvMemory memory() const;
  int64_t slots() const { return int64_t(holder_.size()); }
  const llm::runtime::ModelRunner& runner() const { return runner_; }

 private:
  struct Held {
    int64_t slot = -1;
    std::unique_ptr<llm::reference::Sampler> sampler;  // kept across preemption (its stream goes on)
  };
  int64_t slot_for(const SeqStep& s);
  FunctionalOptions opt_;
  llm::runtime::ModelRunner runner_;
  std::unordered_map<const Sequence*, Held> held_;
  std::vector<const Sequence*> holder_;  // per slot, null when free
};

}  // namespace npulab::serve
