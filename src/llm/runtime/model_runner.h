// Runs a compiled model on a simulated chip: writes the weights into HBM once (and, when
// they are resident, runs the weight preload program that copies them into SBUF), then runs
// one generated program per prefill chunk (<= 128 tokens) or decode step, reads the logits
// back from HBM and records simulated and host time per step. Functional runs compute real
// logits; timing-only runs hold no weights and no values (same programs, same costs).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "llm/compile/model_layout.h"
#include "llm/compile/step_compiler.h"
#include "llm/compile/tp_layout.h"
#include "llm/weights.h"
#include "sim/simulator.h"

namespace npulab::llm::runtime {

struct StepRecord {
  compile::StepSpec::Kind kind;
  int64_t pos0 = 0;
  uint32_t tokens = 0;
  double sim_ns = 0;           // simulated time of the step (sim::SimResult::total_ns)
  double compile_host_s = 0;   // host time to generate the program
  double sim_host_s = 0;       // host time to simulate it
  uint64_t instrs = 0;          // instructions executed (a loop body counts once per iteration)
  uint64_t program_instrs = 0;  // instructions in the program (its size)
  double hbm_bytes = 0;        // bytes read + written in HBM by the program
  size_t races = 0;
  // Tensor-parallel steps: the time a collective was in flight on a core and the part of it
  // that overlapped other work of that core (sim::SimResult::comm_ns), mean over the cores.
  double comm_ns = 0, comm_overlap_ns = 0;
  bool patched = false;        // a program reused (patched), not built: decode bucket or prefill shape
};

struct RunnerOptions {
  compile::CompileOptions compile;
  sim::Mode mode = sim::Mode::Functional;
  sim::ChipOptions chip;  // host use of the runner's sim::Chip (helper thread)
  bool check_races = false;
  // Decode programs cover keys up to the end of a bucket of this many positions (keys after
  // the current one masked) and are reused, patched, for every position of the bucket:
  // no program building on most steps, at the price of attending to up to bucket-1 masked
  // keys. 0 = build an exact program per step. Not for sliding-window models.
  int64_t decode_key_bucket = 0;
};

class ModelRunner {
 public:
  // `weights` may be null only in timing-only mode.
  ModelRunner(const ModelConfig& cfg, const Weights* weights, const arch::ChipConfig& chip, RunnerOptions opt);
  ~ModelRunner();

  // Rank 0's layout (the whole model on one core); config() is the model as rank 0 computes it.
  const compile::ModelLayout& layout() const { return tp_layout_->rank(0); }
  // Every rank's (tensor parallelism over the chip's cores, compile/tp_layout.h).
  const compile::TpLayout& tp_layout() const { return *tp_layout_; }
  sim::Chip& chip() { return *chip_; }
  bool functional() const { return opt_.mode == sim::Mode::Functional; }

  // Feeds `tokens` to KV slot `slot` from its current position, in chunks of <= 128; returns
  // the logits of the last token (empty in timing-only mode, or when `logits` is false: a
  // chunk in the middle of a prompt). Throws npulab::Error if the context would overflow.
  std::vector<float> prefill(const std::vector<int64_t>& tokens, int64_t slot = 0, bool logits = true);
  // One decode step: tokens[b] goes to slot b; all slots must be at the same position.
  // Returns logits [batch * vocab] (empty in timing-only mode).
  std::vector<float> decode(const std::vector<int64_t>& tokens);
  // Timing-only: pretend slot `slot` already holds `pos` tokens (their values do not
  // matter to timing), so decode at a long context needs no simulated prefill.
  void set_position(int64_t slot, int64_t pos);
  int64_t position(int64_t slot = 0) const { return pos_[size_t(slot)]; }
  // Forget slot `slot`'s positions from `pos` on (a sequence recomputed after preemption, or
  // the slot handed to another sequence): the next prefill writes its K/V from `pos`, and
  // no program attends to keys past its own positions, so the stale rows are never read.
  void rewind(int64_t slot, int64_t pos);
  void reset();

  const std::vector<StepRecord>& steps() const { return steps_; }
  // Positions per decode bucket program (0: an exact program per step, always for
  // sliding-window models).
  int64_t decode_bucket() const { return cfg_.sliding_window > 0 ? 0 : opt_.decode_key_bucket; }
  double weight_write_host_s() const { return weight_write_s_; }
  // Resident weights (compile/resident_weights.h): the constructor runs the preload program
  // once; its simulated time is a one-time load (like writing the weights to HBM), kept out
  // of steps(). Step programs never write the homes and sim::Chip keeps SBUF between runs,
  // so only a program run directly on chip() can clobber them: call preload_weights() after
  // that. A no-op when the weights stream from HBM.
  bool weights_resident() const { return tp_layout_->resident_weights(); }
  void preload_weights();
  double preload_sim_ns() const { return preload_sim_ns_; }    // of the last preload
  double preload_host_s() const { return preload_host_s_; }    // compile + simulate
  // Tokens per prefill program: 128, halved while a chunk's activations overflow SBUF.
  int64_t prefill_chunk() const { return prefill_chunk_; }

 private:
  std::vector<float> run(const compile::StepSpec& spec);
  // Prefill: the last program is kept per shape (token count, first position, slot, logits)
  // and patched to the next prompt of that shape (compile::patch_step_tokens), prepared once.
  std::vector<float> run_prefill(const compile::StepSpec& spec);
  std::unique_ptr<compile::StepProgram> prefill_prog_;
  std::optional<sim::PreparedProgram> prefill_prepared_;
  compile::StepSpec prefill_spec_;
  // Runs `prog` (through `prepared` when given: validation and preparation done once).
  std::vector<float> execute(compile::StepProgram& prog, StepRecord rec, const sim::PreparedProgram* prepared = nullptr);
  sim::SimOptions sim_options(const isa::Executable& exe) const;  // mode, races, budgets
  std::unique_ptr<compile::StepProgram> cached_decode_;
  std::optional<sim::PreparedProgram> cached_prepared_;  // of cached_decode_, refreshed per patch
  int64_t cached_pos_ = -1;   // the position cached_decode_ is patched to now
  int64_t cached_base_ = -1;  // the position it was compiled for (patches go from here on)
  std::vector<int64_t> cached_tokens_;
  ModelConfig cfg_;
  RunnerOptions opt_;
  std::unique_ptr<compile::TpLayout> tp_layout_;
  std::unique_ptr<sim::Chip> chip_;
  std::vector<int64_t> pos_;
  std::vector<StepRecord> steps_;
  double weight_write_s_ = 0, preload_sim_ns_ = 0, preload_host_s_ = 0;
  int64_t prefill_chunk_ = 128;
};

}  // namespace npulab::llm::runtime
