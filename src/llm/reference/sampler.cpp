#include "llm/reference/sampler.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "llm/reference/forward.h"

namespace npulab::llm::reference {

int64_t argmax(std::span<const float> logits) {
  int64_t best = 0;
  for (size_t i = 1; i < logits.size(); ++i)
    if (logits[i] > logits[size_t(best)]) best = int64_t(i);
  return best;
}

Sampler::Sampler(SamplingParams p) : p_(p), rng_(p.seed) {
  if (p_.top_k < 0) fail("sampler: top_k must be >= 0, got {}", p_.top_k);
  if (!(p_.top_p > 0.0f)) fail("sampler: top_p must be in (0, 1], got {}", p_.top_p);
}

double Sampler::uniform() { return double(rng_() >> 11) * 0x1.0p-53; }

int64_t Sampler::sample(std::span<const float> logits) {
  if (logits.empty()) fail("sampler: empty logits");
  if (p_.temperature <= 0.0f) return argmax(logits);
  // Candidates sorted by logit, descending, ties by lower id (deterministic order).
  cand_.clear();
  for (size_t i = 0; i < logits.size(); ++i) cand_.emplace_back(logits[i], int64_t(i));
  std::sort(cand_.begin(), cand_.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (p_.top_k > 0 && size_t(p_.top_k) < cand_.size()) cand_.resize(size_t(p_.top_k));
  // Softmax of logits / T over the kept candidates (max first, so exp never overflows).
  const double mx = cand_.front().first;
  double sum = 0.0;
  for (auto& c : cand_) {
    c.first = float(std::exp((double(c.first) - mx) / p_.temperature));
    sum += c.first;
  }
  // Nucleus: the smallest prefix whose probability mass reaches top_p.
  size_t keep = cand_.size();
  if (p_.top_p < 1.0f) {
    double cum = 0.0;
    for (size_t i = 0; i < cand_.size(); ++i) {
      cum += cand_[i].first / sum;
      if (cum >= p_.top_p) {
        keep = i + 1;
        break;
      }
    }
    sum = 0.0;
    for (size_t i = 0; i < keep; ++i) sum += cand_[i].first;
  }
  const double u = uniform() * sum;
  double cum = 0.0;
  for (size_t i = 0; i < keep; ++i) {
    cum += cand_[i].first;
    if (u < cum) return cand_[i].second;
  }
  return cand_[keep - 1].second;  // rounding: u landed at the very top
}

std::vector<int64_t> generate(ReferenceModel& model, const std::vector<int64_t>& prompt,
                              int64_t max_new_tokens, Sampler& sampler,
                              const std::function<void(int64_t)>& on_token) {
  if (prompt.empty()) fail("generate: the prompt must hold at least one token (e.g. BOS)");
  const int64_t ctx = model.max_context();
  if (int64_t(prompt.size()) > ctx)
    fail("generate: prompt of {} tokens is longer than the context ({})", prompt.size(), ctx);
  model.reset();
  std::span<const float> logits;
  int64_t pos = 0;
  for (int64_t t : prompt) logits = model.forward(t, pos++);
  std::vector<int64_t> out;
  for (int64_t n = 0; n < max_new_tokens; ++n) {
    const int64_t tok = sampler.sample(logits);
    out.push_back(tok);
    if (on_token) on_token(tok);
    if (model.config().is_eos(tok) || pos >= ctx) break;
    logits = model.forward(tok, pos++);
  }
  return out;
}

}  // namespace npulab::llm::reference
