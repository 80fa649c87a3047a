// A model pipeline-parallel over stages of consecutive layers (docs/SYSTEMS.md, "Pipeline
// parallelism"), as a PerfModel. Each stage is a tensor-parallel group of chips running its
// layers' step programs (a MultiChipPerfModel of the stage's shard: its simulated programs
// plus its own collectives); the stages before the last compute no logits. A step's batch
// is split into micro-batches (consecutive sequences, as even as counts allow); micro-batch
// m runs on stage s once stage s is done with m - 1 and m's activations (tokens x dim, bf16)
// have arrived from stage s - 1 over the fabric (`send`):
//   done[s][m] = max(done[s-1][m] + send(m), done[s][m-1]) + t[s][m]
// and the step ends when the last stage finishes the last micro-batch.
//
// Virtual engines (vLLM's, for pipeline parallelism): several engines, each with its own
// scheduler and batch, share one pipeline (step_ns_at): a step starts on a stage when that
// stage is free of the other engines' steps, so while one engine's batch is on stage 1 the
// next engine's is on stage 0, and the stages stay busy across steps. With one engine the
// next step's tokens come from this step's logits and every step pays the fill and drain.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "serve/step.h"

namespace npulab::serve {

struct PipelinePlan {
  std::string system, model;
  int64_t stages = 2;          // pipeline depth
  int64_t layers_per_stage = 0;
  int64_t micro_batches = 2;   // per step at most (a step of fewer sequences has fewer)
  int64_t virtual_engines = 1; // engines sharing the pipeline (described; the engine runs them)
  int64_t dim = 0;             // the model's width: the activations a stage hands on
  uint32_t activation_bytes = 2;
  // Time for stage `from` to hand `bytes` of activations to stage from + 1 (the fabric).
  std::function<double(int64_t from, uint64_t bytes)> send;
};

class PipelinePerfModel : public PerfModel {
 public:
  // `inner`: every stage but the last (identical shapes: one model times them all); `last`:
  // the last stage, with the logits.
  PipelinePerfModel(std::unique_ptr<PerfModel> inner, std::unique_ptr<PerfModel> last, PipelinePlan plan);
  std::string describe() const override;
  // Positions that fit every stage's cache; a position's K and V over all stages.
  KvMemory memory() const override;
  // The step on a pipeline of its own, from empty.
  double step_ns(std::span<const SeqStep> step) override;
  // The step started at `start_ns` on pipeline `pipeline` (a data-parallel replica's), after
  // the steps already placed on it: each stage is taken in the order steps were started.
  double step_ns_at(double start_ns, int64_t pipeline, std::span<const SeqStep> step) override;
  // Every stage's communication (its collectives and the activations it receives), over the
  // stages: the devices' mean share of a step spent communicating, not overlapped.
  double comm_ns_total() const override { return comm_total_; }
  const PipelinePlan& plan() const { return plan_; }
  PerfModel& inner() { return *inner_; }  // the stage models (exposed for tests)
  PerfModel& last() { return *last_; }

 private:
  double send_ns(int64_t from, uint64_t bytes);
  // Places the step's micro-batches on stages free from free[s] (absolute ns; updated) from
  // `start_ns` on; returns when the last stage is done.
  double place(std::span<const SeqStep> step, double start_ns, std::vector<double>& free);
  std::map<int64_t, std::vector<double>> free_;  // per pipeline: when each stage is next free
  std::unique_ptr<PerfModel> inner_, last_;
  PipelinePlan plan_;
  std::map<std::pair<int64_t, uint64_t>, double> memo_;
  double comm_total_ = 0;
};

}  // namespace npulab::serve
