// A model tensor-parallel across the chips of a multi-chip system, as a PerfModel
// (docs/SYSTEMS.md, "Serving across chips"). Under TP every chip holds the same share
// shape of the model and runs the same programs, so one chip is simulated: `chip` is the
// one-chip model of the chip's shard (its heads, kv heads, FFN width and vocabulary columns,
// compiled for the chip's own TP x LNC ranks, whose on-chip all-reduces reduce the chip's
// partial sums). Each step program then pays the cross-chip collectives of the Megatron
// plan on top, one after another, never overlapped with compute:
//   - per layer two all-reduces of the program's tokens x dim activations (after the
//     attention output projection and after the MLP down projection);
//   - a program that computes logits: an all-gather of its rows x vocabulary FP32 logits
//     (each chip computed its vocabulary columns).
// Collective times come from `comm` (the fabric's collective_time_ns on the system's
// network), memoised by message size: a collective across 64 chips costs milliseconds of
// host time, a step's sizes repeat.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "serve/npu_perf_model.h"

namespace npulab::serve {

enum class ChipCollective : uint8_t { AllReduce, AllGather };

struct MultiChipPlan {
  std::string system;   // "trn2.48xlarge"
  std::string model;    // the whole model's name
  int64_t chips = 1;    // the model's TP degree across chips
  int64_t dim = 0, n_layers = 0, vocab_size = 0;  // of the whole model
  uint32_t activation_bytes = 2;                  // bf16 activations on the wire
  // What the deployment padded for its TP degree (llm/compile/tp_padding.h), "" = nothing.
  std::string padding;
  // Time of one collective among the chips for a message of `bytes` (nccom-test size).
  std::function<double(ChipCollective, uint64_t bytes)> comm;
};

class MultiChipPerfModel : public PerfModel {
 public:
  MultiChipPerfModel(std::unique_ptr<NpuPerfModel> chip, MultiChipPlan plan);
  std::string describe() const override;
  // The system's KV budget: every chip's HBM less its share of the weights; a position's
  // K and V over every chip (a replicated kv head is stored on each chip that holds it).
  KvMemory memory() const override;
  double step_ns(std::span<const SeqStep> step) override;
  // The cross-chip collectives' share of the step (exposed for tests and reports).
  double comm_ns(std::span<const SeqStep> step);
  double comm_ns_total() const override { return comm_total_; }  // over every step_ns call
  double step_ns_total() const { return step_total_; }
  const NpuPerfModel& chip() const { return *chip_; }
  const MultiChipPlan& plan() const { return plan_; }

 private:
  double program_comm_ns(const StepProgramShape& p);
  double collective_ns(ChipCollective k, uint64_t bytes);
  std::unique_ptr<NpuPerfModel> chip_;
  MultiChipPlan plan_;
  std::map<std::pair<ChipCollective, uint64_t>, double> memo_;
  double comm_total_ = 0, step_total_ = 0;
};

}  // namespace npulab::serve
