#include "llm/compile/tp_plan.h"

#include <fmt/format.h>

#include "common/error.h"

namespace npulab::llm::compile {

namespace {
std::string ranks_text(int64_t tp, int64_t lnc) {
  return lnc == 1 ? fmt::format("--tp {}", tp) : fmt::format("--tp {} x --lnc {} = {} physical cores", tp, lnc, tp * lnc);
}
}  // namespace

int64_t tp_ranks(const ModelConfig& c, const arch::ChipConfig& chip, int64_t tp, int64_t lnc) {
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
  if (R == 1) return 1;
  const std::string what = ranks_text(tp, lnc);
  if (c.n_heads % R)
    fail("model '{}': its {} attention heads do not divide over {} ranks ({}); use a --tp (x --lnc) that divides {}",
         c.name, c.n_heads, R, what, c.n_heads);
  if (c.n_kv_heads % R && R % c.n_kv_heads)
    fail("model '{}': {} kv heads and {} ranks ({}): the kv heads must divide over the ranks or be replicated an "
         "equal number of times (ranks a multiple of the kv heads); use a --tp (x --lnc) that divides {} or is a "
         "multiple of it",
         c.name, c.n_kv_heads, R, what, c.n_kv_heads);
  if (c.hidden_dim % R)
    fail("model '{}': its FFN width (hidden_dim{}) {} does not divide over {} ranks ({}); use a --tp (x --lnc) that "
         "divides {}",
         c.name, c.is_moe() ? " of each expert" : "", c.hidden_dim, R, what, c.hidden_dim);
  return R;
}

ModelConfig tp_shard_config(const ModelConfig& c, int64_t R) {
  ModelConfig s = c;
  s.n_heads = c.n_heads / R;
  s.n_kv_heads = c.n_kv_heads >= R ? c.n_kv_heads / R : 1;
  s.hidden_dim = c.hidden_dim / R;
  return s;
}

TpShard tp_shard(const ModelConfig& c, int64_t R, int64_t r) {
  TpShard s;
  s.rank = r;
  s.ranks = R;
  const int64_t nh = c.n_heads / R, group = c.n_heads / c.n_kv_heads;
  s.q_head0 = r * nh;
  s.kv_head0 = c.n_kv_heads >= R ? r * (c.n_kv_heads / R) : s.q_head0 / group;
  s.hidden0 = r * (c.hidden_dim / R);
  s.vocab0 = r * c.vocab_size / R;
  s.vocab_n = (r + 1) * c.vocab_size / R - s.vocab0;
  return s;
}

}  // namespace npulab::llm::compile
