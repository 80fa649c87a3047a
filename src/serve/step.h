// What one engine step asks of the hardware, and the two interfaces behind it:
//   - PerfModel: a step's time from its shape alone (each sequence's context and new tokens)
//     plus the memory the deployment leaves for the KV cache. The simulated chip implements
//     it with a performance table of simulated step programs (perf_table.h); a GPU model is
//     another implementation of the same interface.
//   - StepBackend: what the engine calls. A timing backend asks a PerfModel; a functional
//     backend runs the step's programs on a simulated chip and returns the sampled tokens.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "serve/request.h"

namespace npulab::serve {

// One sequence's share of a step.
struct SeqStep {
  int64_t context = 0;     // tokens of the sequence already in its KV cache
  int64_t new_tokens = 0;  // tokens it adds this step (prompt chunk, recompute, or 1 in decode)
  bool samples = false;    // the step reaches its last known token: a token is sampled for it
  const Sequence* seq = nullptr;  // tokens and block table (functional backends)
};

// Memory of a deployment as the KV cache sees it.
struct KvMemory {
  int64_t capacity_bytes = 0;   // device memory left for the KV cache (all layers, this replica)
  int64_t bytes_per_token = 0;  // K and V of one position over all layers
  int64_t max_context = 0;      // longest sequence a step program supports (prompt + output)
};

class PerfModel {
 public:
  virtual ~PerfModel() = default;
  virtual std::string describe() const = 0;  // system, model, dtype, parallelism
  virtual KvMemory memory() const = 0;
  // Simulated time of one step, nanoseconds.
  virtual double step_ns(std::span<const SeqStep> step) = 0;
  // The same step started at `start_ns` on device group `pipeline` (a data-parallel
  // replica's devices), where steps of several engines share those devices: a pipeline's
  // virtual engines wait for its stages (pipeline_perf_model.h). Default: devices of their
  // own, the time does not depend on when.
  virtual double step_ns_at(double start_ns, int64_t pipeline, std::span<const SeqStep> step) {
    (void)start_ns;
    (void)pipeline;
    return step_ns(step);
  }
  // Of all step_ns so far, the nanoseconds of communication between devices that the model
  // adds without overlap (multi-chip systems' cross-chip collectives; 0 for the others).
  virtual double comm_ns_total() const { return 0; }
};

struct StepResult {
  double ns = 0;
  std::vector<int32_t> tokens;  // one per sampling sequence, in step order; empty = no ids (timing-only)
};

class StepBackend {
 public:
  virtual ~StepBackend() = default;
  virtual StepResult run(std::span<const SeqStep> step) = 0;
  // The step started at simulated time `start_s` (what the engine calls).
  virtual StepResult run_at(double start_s, std::span<const SeqStep> step) {
    (void)start_s;
    return run(step);
  }
  // A sequence left the engine (finished or failed): drop per-sequence state.
  virtual void release(const Sequence&) {}
};

// Timing-only: the step's time from a PerfModel, no token ids; `pipeline` names the device
// group the engine's steps run on (PerfModel::step_ns_at).
class TimingBackend : public StepBackend {
 public:
  explicit TimingBackend(PerfModel& m, int64_t pipeline = 0) : m_(m), pipeline_(pipeline) {}
  StepResult run(std::span<const SeqStep> step) override { return {m_.step_ns(step), {}}; }
  StepResult run_at(double start_s, std::span<const SeqStep> step) override {
    return {m_.step_ns_at(start_s * 1e9, pipeline_, step), {}};
  }

 private:
  PerfModel& m_;
  int64_t pipeline_;
};

}  // namespace npulab::serve
