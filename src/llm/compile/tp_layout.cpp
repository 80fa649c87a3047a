#include "llm/compile/tp_layout.h"

#include <algorithm>

#include "common/error.h"

namespace npulab::llm::compile {

TpLayout::TpLayout(const ModelConfig& cfg, const arch::ChipConfig& chip, const CompileOptions& opt)
    : tp_(opt.tp), lnc_(opt.lnc) {
  cfg.validate(cfg.name.empty() ? "model config" : cfg.name);
  const TpSplit split = tp_split(cfg, chip, opt.tp, opt.lnc);
  const int64_t R = split.ranks;
  if (R == 1) {
    ranks_.push_back(std::make_unique<ModelLayout>(cfg, chip, opt));
    return;
  }
  // Shared slots, in the order (and with the alignment) the HBM allocator places them.
  const int64_t ctx = opt.max_context > 0 ? opt.max_context : std::min<int64_t>(cfg.max_seq_len, 4096);
  const uint64_t dim = uint64_t(cfg.dim), half = uint64_t(cfg.head_dim / 2);
  uint64_t end = 0;
  auto add = [&](const char* name, DType t, std::vector<uint64_t> shape) {
    HbmSlot s{name, t, std::move(shape), end, true};
    end = (end + s.bytes() + kHbmAlign - 1) / kHbmAlign * kHbmAlign;
    shared_.push_back(std::move(s));
  };
  add("embed", kv_dtype_for(opt.weight_dtype), {uint64_t(cfg.vocab_size), dim});
  add("rope_cos", DType::F32, {uint64_t(ctx), half});
  add("rope_sin", DType::F32, {uint64_t(ctx), half});
  const uint64_t cap = chip.hbm.capacity_bytes;
  if (end > cap)
    fail("model '{}': its embedding table alone ({:.2f} GiB) exceeds chip '{}''s HBM", cfg.name, end / 1073741824.0,
         chip.name);
  for (int64_t r = 0; r < R; ++r) {
    // Each rank must fit its fair share of what the ranks before it left.
    const uint64_t capacity = end + (cap - end) / uint64_t(R - r);
    ranks_.push_back(std::make_unique<ModelLayout>(cfg, chip, opt, tp_shard(cfg, split, r), end, capacity, shared_));
    end = ranks_.back()->end_offset();
  }
}

uint64_t TpLayout::weight_bytes() const {
  uint64_t n = ranks() > 1 ? shared_[0].bytes() : 0;
  for (const auto& r : ranks_) n += r->weight_bytes();
  return n;
}

uint64_t TpLayout::kv_bytes() const {
  uint64_t n = 0;
  for (const auto& r : ranks_) n += r->kv_bytes();
  return n;
}

bool TpLayout::aliased() const {
  return std::any_of(ranks_.begin(), ranks_.end(), [](const auto& r) { return r->aliased(); });
}

bool TpLayout::resident_weights() const {
  return std::all_of(ranks_.begin(), ranks_.end(), [](const auto& r) { return r->resident_weights(); });
}

std::vector<std::vector<kernels::HbmTensor>> TpLayout::declare(kernels::ChipBuilder& cb) const {
  if (int64_t(cb.cores()) != ranks())
    fail("internal: a {}-rank layout declared on a {}-core chip program", ranks(), cb.cores());
  std::vector<kernels::HbmTensor> shared;
  for (const HbmSlot& s : shared_) {
    shared.push_back(cb.shared_input(s.name, s.dtype, s.shape));
    if (shared.back().offset() != s.offset)
      fail("internal: shared HBM tensor '{}' placed at {} but the layout planned {}", s.name, shared.back().offset(),
           s.offset);
  }
  std::vector<std::vector<kernels::HbmTensor>> out;
  for (int64_t r = 0; r < ranks(); ++r) out.push_back(rank(r).declare(cb.core(uint32_t(r)), shared));
  return out;
}

}  // namespace npulab::llm::compile
