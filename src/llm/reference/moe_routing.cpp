#include "llm/reference/moe_routing.h"

#include <algorithm>

#include "common/error.h"
#include "llm/reference/forward.h"

namespace npulab::llm::reference {

std::vector<Route> route_token(const float* logits, int64_t n_experts, int64_t top_k) {
  if (top_k < 1 || top_k > n_experts) fail("MoE routing: top_k {} outside 1..{}", top_k, n_experts);
  std::vector<float> p(logits, logits + n_experts);
  softmax(p.data(), n_experts);
  // Selection by descending probability, lower index first on ties (stable order).
  std::vector<int64_t> order(static_cast<size_t>(n_experts), 0);
  for (int64_t e = 0; e < n_experts; ++e) order[size_t(e)] = e;
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return p[size_t(a)] > p[size_t(b)]; });
  order.resize(size_t(top_k));
  float sum = 0.0f;
  for (int64_t e : order) sum += p[size_t(e)];  // in top-k order, like torch's sum over the topk values
  std::vector<Route> out;
  for (int64_t e : order) out.push_back({e, p[size_t(e)] / sum});
  std::sort(out.begin(), out.end(), [](const Route& a, const Route& b) { return a.expert < b.expert; });
  return out;
}

}  // namespace npulab::llm::reference
