#include "llm/compile/tp_padding.h"

#include <fmt/format.h>

#include <tuple>
#include <utility>

#include "common/error.h"

namespace npulab::llm::compile {

namespace {
int64_t round_up(int64_t v, int64_t d) { return (v + d - 1) / d * d; }

// The kv heads after padding `n_heads` query heads to `padded` for `tp` ranks (tp_padding.h)
// and how many copies of each kv head they hold (the rest are zero heads).
std::pair<int64_t, int64_t> padded_kv_heads(int64_t n_heads, int64_t n_kv, int64_t padded, int64_t tp) {
  if (n_kv == n_heads) return {padded, 1};  // multi-head attention: k and v padded as q
  if (n_kv % tp == 0) return {n_kv, 1};
  const int64_t extra = padded - n_heads;
  int64_t ratio = n_heads / n_kv;  // full replication: one kv head per query head
  if (n_kv < tp && tp % n_kv == 0 && (extra == 0 || extra % n_kv == 0))
    ratio = tp / n_kv;  // partial: each rank one replica of its query heads' kv head
  else if (padded * n_kv == tp * n_heads)
    ratio = 1;  // every rank's padded query heads are exactly one kv group
  int64_t kv = n_kv * ratio;
  if (kv < tp) kv = tp;
  if (kv == n_heads) kv = padded;  // fully replicated: the padded query heads get kv heads too
  return {kv, ratio};
}
}  // namespace

std::string TpPadding::describe() const {
  if (!padded()) return {};
  std::string s = fmt::format("heads padded {} -> {}", heads, model.n_heads);
  if (model.n_kv_heads != kv_heads) {
    // Multi-head attention's kv heads are padded with the query heads: nothing to add.
    const int64_t zero = model.n_kv_heads - kv_heads * kv_copies;
    const std::string zeros = zero > 0 ? fmt::format(", {} zero head{}", zero, zero == 1 ? "" : "s") : "";
    s += fmt::format(", kv heads {} -> {}", kv_heads, model.n_kv_heads);
    if (kv_copies > 1) s += fmt::format(" (each replicated {}x{})", kv_copies, zeros);
  }
  if (model.hidden_dim != hidden_dim) s += fmt::format(", FFN {} -> {}", hidden_dim, model.hidden_dim);
  return s + fmt::format(" for TP{}, as transformers-neuronx does", tp);
}

TpPadding pad_for_tp(const ModelConfig& c, int64_t tp) {
  if (tp < 1) fail("model '{}': TP degree {}, expected at least 1", c.name, tp);
  TpPadding p;
  p.model = c;
  p.tp = tp;
  p.heads = c.n_heads;
  p.kv_heads = c.n_kv_heads;
  p.hidden_dim = c.hidden_dim;
  if (c.n_heads % tp == 0 && c.hidden_dim % tp == 0) return p;
  p.model.n_heads = round_up(c.n_heads, tp);
  if (p.model.n_heads != c.n_heads)
    std::tie(p.model.n_kv_heads, p.kv_copies) = padded_kv_heads(c.n_heads, c.n_kv_heads, p.model.n_heads, tp);
  p.model.hidden_dim = round_up(c.hidden_dim, tp);
  return p;
}

}  // namespace npulab::llm::compile
