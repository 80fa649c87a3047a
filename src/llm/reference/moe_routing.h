// Mixtral-style MoE routing, as Hugging Face MixtralSparseMoeBlock computes it:
//   p = softmax(router_logits) over all experts (FP32), the top-k of p (ties: lower expert
//   index first), gates = p_topk / sum(p_topk) (renormalised). Shared by the reference
//   forward pass; the compiled path (compile/moe_ffn.cpp) computes the same on the chip.
#pragma once
#include <cstdint>
#include <vector>

namespace npulab::llm::reference {

struct Route {
  int64_t expert = 0;
  float gate = 0.0f;
};

// Routes of one token, in ascending expert order (the order HF sums expert outputs in).
// `logits` has n_experts values; 1 <= top_k <= n_experts.
std::vector<Route> route_token(const float* logits, int64_t n_experts, int64_t top_k);

}  // namespace npulab::llm::reference
