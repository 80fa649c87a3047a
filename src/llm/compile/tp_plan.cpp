#include "llm/compile/tp_plan.h"

#include <fmt/format.h>

#include "common/error.h"

namespace npulab::llm::compile {

namespace {
std::string ranks_text(int64_t tp, int64_t lnc) {
  return lnc == 1 ? fmt::format("--tp {}", tp) : fmt::format("--tp {} x --lnc {} = {} physical cores", tp, lnc, tp * lnc);
}
}  // namespace

TpSplit tp_split(const ModelConfig& c, const arch::ChipConfig& chip, int64_t tp, int64_t lnc) {
  if (lnc < 1 || lnc > int64_t(chip.lnc_max))
    fail("--lnc {}: chip '{}' supports logical NeuronCores of 1{} physical core{} (lnc_max = {} in {}); use --lnc {}",
         lnc, chip.name, chip.lnc_max > 1 ? fmt::format(" to {}", chip.lnc_max) : std::string(),
         chip.lnc_max > 1 ? "s" : "", chip.lnc_max, chip.source_file.empty() ? "its hw file" : chip.source_file,
         chip.lnc_max > 1 ? fmt::format("1 to {}", chip.lnc_max) : std::string("1"));
  const int64_t cores = int64_t(chip.cores_per_chip), logical = cores / lnc;
  if (tp < 1 || tp > logical)
    fail("--tp {}: chip '{}' has {} NeuronCores = {} logical cores at --lnc {}; use --tp 1 to {}{}", tp, chip.name,
         cores, logical, lnc, logical, lnc > 1 ? fmt::format(" (or --lnc 1 for up to {})", cores) : std::string());
  const int64_t R = tp * lnc;
  if (R == 1) return {};
  const std::string what = ranks_text(tp, lnc);
  const auto kv_fit = [&](int64_t units) { return c.n_kv_heads % units == 0 || units % c.n_kv_heads == 0; };
  // The heads over as many attention units as divide them: every rank when they divide
  // over the ranks, else units of `subs` consecutive ranks sharing their heads by rows
  // (row-split attention, tp_plan.h), the fewest ranks per unit that works.
  int64_t subs = 0;
  for (int64_t s = 1; s <= R && subs == 0; ++s) {
    if (R % s || c.n_heads % (R / s) || !kv_fit(R / s)) continue;
    const ModelConfig sc = tp_shard_config(c, R, s);
    if ((sc.q_dim() + 2 * sc.kv_dim()) % s == 0) subs = s;
  }
  if (subs == 0)
    fail("model '{}': its {} attention heads ({} kv heads) split over no attention units of {} ranks ({}) whose "
         "fused QKV columns divide over their ranks; use a --tp (x --lnc) that divides {}",
         c.name, c.n_heads, c.n_kv_heads, R, what, c.n_heads);
  if (c.hidden_dim % R)
    fail("model '{}': its FFN width (hidden_dim{}) {} does not divide over {} ranks ({}); use a --tp (x --lnc) that "
         "divides {}",
         c.name, c.is_moe() ? " of each expert" : "", c.hidden_dim, R, what, c.hidden_dim);
  return {R, subs};
}

int64_t tp_ranks(const ModelConfig& c, const arch::ChipConfig& chip, int64_t tp, int64_t lnc) {
  return tp_split(c, chip, tp, lnc).ranks;
}

ModelConfig tp_shard_config(const ModelConfig& c, int64_t R, int64_t subs) {
  const int64_t units = R / subs;
  ModelConfig s = c;
  s.n_heads = c.n_heads / units;
  s.n_kv_heads = c.n_kv_heads >= units ? c.n_kv_heads / units : 1;
  s.hidden_dim = c.hidden_dim / R;
  return s;
}

TpShard tp_shard(const ModelConfig& c, const TpSplit& split, int64_t r) {
  const int64_t R = split.ranks, units = R / split.subs, u = r / split.subs;
  TpShard s;
  s.rank = r;
  s.ranks = R;
  s.attn_sub = r % split.subs;
  s.attn_subs = split.subs;
  const int64_t nh = c.n_heads / units, group = c.n_heads / c.n_kv_heads;
  s.q_head0 = u * nh;
  s.kv_head0 = c.n_kv_heads >= units ? u * (c.n_kv_heads / units) : s.q_head0 / group;
  s.hidden0 = r * (c.hidden_dim / R);
  s.vocab0 = r * c.vocab_size / R;
  s.vocab_n = (r + 1) * c.vocab_size / R - s.vocab0;
  return s;
}

}  // namespace npulab::llm::compile
