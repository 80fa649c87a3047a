#include "serve/stack_perf_model.h"

#include <fmt/format.h>

#include <algorithm>

namespace npulab::serve {
namespace {

// The smallest bucket holding `n`; n itself above the largest (the stack would run it
// unbucketed or refuse it; npulab times the exact shape rather than invent one).
int64_t bucket(const std::vector<int64_t>& buckets, int64_t n) {
  auto it = std::lower_bound(buckets.begin(), buckets.end(), n);
  return it == buckets.end() ? n : *it;
}

}  // namespace

StackPerfModel::StackPerfModel(std::unique_ptr<PerfModel> inner, arch::ServingStack stack, int64_t max_batch)
    : inner_(std::move(inner)), stack_(std::move(stack)), max_batch_(max_batch) {}

std::string StackPerfModel::describe() const {
  return fmt::format("{}, under the {} serving stack", inner_->describe(), stack_.name);
}

std::vector<SeqStep> StackPerfModel::padded(std::span<const SeqStep> step) const {
  std::vector<SeqStep> out;
  int64_t decoders = 0, longest = 0;
  for (const SeqStep& s : step)
    if (s.new_tokens == 1) {
      ++decoders;
      longest = std::max(longest, s.context + 1);
    }
  // A decode step attends over the compiled bucket of its longest sequence.
  const int64_t span = stack_.decode_context_buckets.empty() ? 0 : bucket(stack_.decode_context_buckets, longest);
  double ctx_sum = 0;
  for (const SeqStep& s : step) {
    SeqStep p = s;
    if (s.new_tokens == 1) {
      if (span > 0) p.context = span - 1;
      ctx_sum += double(p.context);
    } else if (!stack_.chunked_prefill && !stack_.prefill_buckets.empty()) {
      // A whole prompt, encoded at its compiled length (a cached prefix is not re-encoded).
      p.new_tokens = bucket(stack_.prefill_buckets, s.context + s.new_tokens) - s.context;
    }
    out.push_back(p);
  }
  if (decoders > 0) {
    const int64_t target = stack_.pad_to_max_batch ? std::max(max_batch_, decoders)
                                                   : bucket(stack_.decode_batch_sizes, decoders);
    // Padding rows compute like real ones (at the batch's mean span) but sample nothing.
    const SeqStep pad{int64_t(ctx_sum / double(decoders)), 1, false, nullptr};
    for (int64_t i = decoders; i < target; ++i) out.push_back(pad);
  }
  return out;
}

double StackPerfModel::step_ns(std::span<const SeqStep> step) {
  const std::vector<SeqStep> p = padded(step);
  return inner_->step_ns(p) + stack_.step_overhead_us * 1e3;
}

double StackPerfModel::step_ns_at(double start_ns, int64_t pipeline, std::span<const SeqStep> step) {
  const std::vector<SeqStep> p = padded(step);
  return inner_->step_ns_at(start_ns, pipeline, p) + stack_.step_overhead_us * 1e3;
}

}  // namespace npulab::serve
