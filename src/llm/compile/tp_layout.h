// The HBM layout of a tensor-parallel model on one chip (docs/LLM.md, "Tensor
// parallelism"): the slots every rank reads once (the embedding, the RoPE tables) first,
// then each rank's own ModelLayout (its weight slices, norms, classifier columns and KV
// cache: tp_plan.h), rank after rank, so every rank's share is one contiguous range.
// With one rank it is exactly the single-core ModelLayout.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/chip_builder.h"
#include "llm/compile/model_layout.h"

namespace npulab::llm::compile {

class TpLayout {
 public:
  // Checks tp x lnc against the chip and the model (tp_ranks) and plans every rank.
  TpLayout(const ModelConfig& cfg, const arch::ChipConfig& chip, const CompileOptions& opt);

  int64_t ranks() const { return int64_t(ranks_.size()); }
  int64_t tp() const { return tp_; }
  int64_t lnc() const { return lnc_; }
  const ModelLayout& rank(int64_t r) const { return *ranks_[size_t(r)]; }
  const ModelConfig& config() const { return ranks_[0]->model_config(); }  // the whole model
  const arch::ChipConfig& chip() const { return ranks_[0]->chip(); }
  const std::vector<HbmSlot>& shared_slots() const { return shared_; }

  uint64_t weight_bytes() const;  // every rank's plus the shared embedding (not aliased)
  uint64_t kv_bytes() const;      // every rank's KV cache (replicated kv heads counted per replica)
  bool aliased() const;           // --ignore-capacity took effect on some rank
  bool resident_weights() const;  // every rank's weights live in its core's SBUF

  // Declares the shared slots once and each rank's own slots on its core (rank order, so at
  // their planned offsets); returns rank r's tensors indexed by rank(r)'s slot ids.
  std::vector<std::vector<kernels::HbmTensor>> declare(kernels::ChipBuilder& cb) const;

 private:
  int64_t tp_ = 1, lnc_ = 1;
  std::vector<HbmSlot> shared_;
  std::vector<std::unique_ptr<ModelLayout>> ranks_;
};

}  // namespace npulab::llm::compile
