// A serving stack on top of a deployment's PerfModel (arch/stack.h): each step is padded
// to the shapes the stack really runs - the decode batch up to its compiled batch or CUDA
// graph, a decode step's attention span and a whole prompt up to their compiled sequence
// buckets - before the hardware model times it, and the stack's host time per step is
// added. Memory is the hardware's. With no padding and no overhead it is the inner model.
#pragma once
#include <memory>

#include "arch/stack.h"
#include "serve/step.h"

namespace npulab::serve {

class StackPerfModel : public PerfModel {
 public:
  // `max_batch`: the engine's max-num-seqs (the batch a pad_to_max_batch stack compiles).
  StackPerfModel(std::unique_ptr<PerfModel> inner, arch::ServingStack stack, int64_t max_batch);
  std::string describe() const override;
  KvMemory memory() const override { return inner_->memory(); }
  double step_ns(std::span<const SeqStep> step) override;
  // The host time follows the device part of the step (sampling, the next step's inputs).
  double step_ns_at(double start_ns, int64_t pipeline, std::span<const SeqStep> step) override;
  double comm_ns_total() const override { return inner_->comm_ns_total(); }
  // The step as the stack runs it (exposed for tests).
  std::vector<SeqStep> padded(std::span<const SeqStep> step) const;
  const arch::ServingStack& stack() const { return stack_; }

 private:
  std::unique_ptr<PerfModel> inner_;
  arch::ServingStack stack_;
  int64_t max_batch_;
};

}  // namespace npulab::serve
