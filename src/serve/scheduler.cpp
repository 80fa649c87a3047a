#include "serve/scheduler.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/error.h"

namespace npulab::serve {

void SchedulerConfig::validate() const {
  if (max_num_seqs < 1) fail("--max-num-seqs {}: expected at least 1", max_num_seqs);
  if (max_num_batched_tokens < 1) fail("--max-num-batched-tokens {}: expected at least 1", max_num_batched_tokens);
  if (max_model_len < 2) fail("max model length {}: expected at least 2 tokens", max_model_len);
  if (block_size < 1) fail("--block-size {}: expected at least 1", block_size);
  if (num_blocks < 1) fail("the KV cache has {} blocks: expected at least 1", num_blocks);
  if (!chunked_prefill && max_num_batched_tokens < max_model_len)
    fail("without chunked prefill the token budget ({}) must hold a whole context ({} tokens)", max_num_batched_tokens,
         max_model_len);
}

Scheduler::Scheduler(const SchedulerConfig& cfg)
    : cfg_(cfg), kv_((cfg.validate(), cfg.num_blocks), cfg.block_size, cfg.prefix_caching) {}

std::string Scheduler::rejection(const Request& r) const {
  const int64_t total = r.prompt.size() + r.max_tokens;
  if (r.prompt.size() < 1) return "empty prompt";
  if (r.max_tokens < 1) return fmt::format("max_tokens {} (expected at least 1)", r.max_tokens);
  if (total > cfg_.max_model_len)
    return fmt::format("prompt of {} tokens + {} output tokens exceeds the maximum context of {}", r.prompt.size(),
                       r.max_tokens, cfg_.max_model_len);
  // The last output token is sampled, never written to the cache.
  const int64_t blocks = kv_.blocks_for(total - 1);
  if (blocks > kv_.num_blocks())
    return fmt::format("needs {} KV blocks of {} tokens but the whole cache has {}", blocks, cfg_.block_size,
                       kv_.num_blocks());
  return {};
}

void Scheduler::add(Sequence* s) {
  s->state = SeqState::Waiting;
  waiting_.push_back(s);
}

void Scheduler::preempt(Sequence* s) {
  kv_.free(*s);
  s->num_computed = 0;  // recompute: prompt and generated tokens are prefilled again
  s->state = SeqState::Waiting;
  ++s->preemptions;
  ++preemptions_;
  waiting_.push_front(s);
}

StepPlan Scheduler::schedule() {
  StepPlan plan;
  int64_t budget = cfg_.max_num_batched_tokens;
  // 1. Running sequences, in admission order.
  std::vector<Sequence*> kept;
  kept.reserve(running_.size());
  for (size_t i = 0; i < running_.size() && budget > 0; ++i) {
    Sequence* s = running_[i];
    const int64_t n = std::min(s->num_tokens() - s->num_computed, budget);
    bool scheduled = false;
    while (true) {
      if (kv_.allocate(*s, n)) {
        scheduled = true;
        break;
      }
      // No block: preempt the most recently admitted running sequence (possibly s itself).
      Sequence* victim = running_.back();
      running_.pop_back();
      preempt(victim);
      plan.preempted.push_back(victim);
      if (victim == s) break;
    }
    if (!scheduled) break;
    kept.push_back(s);
    plan.seqs.push_back({s->num_computed, n, s->num_computed + n == s->num_tokens(), s});
    plan.members.push_back(s);
    plan.num_tokens += n;
    budget -= n;
  }
  // Sequences not reached for lack of budget stay running (after the scheduled ones).
  for (size_t i = kept.size(); i < running_.size(); ++i) kept.push_back(running_[i]);
  running_ = std::move(kept);
  // 2. Waiting sequences, unless this step had to preempt.
  while (plan.preempted.empty() && budget > 0 && !waiting_.empty() &&
         int64_t(running_.size()) < cfg_.max_num_seqs) {
    Sequence* s = waiting_.front();
    const bool first = s->preemptions == 0;
    std::vector<int32_t> hits = kv_.cached_prefix(*s, first);
    const int64_t computed = int64_t(hits.size()) * cfg_.block_size;
    const int64_t want = s->num_tokens() - computed;
    if (!cfg_.chunked_prefill && want > budget) break;
    const int64_t n = std::min(want, budget);
    s->num_computed = computed;
    if (!kv_.allocate(*s, n, hits)) {
      s->num_computed = 0;
      break;  // not enough free blocks: admission waits for a sequence to finish
    }
    if (first) s->cached_tokens = std::min(computed, s->prompt_len());
    waiting_.pop_front();
    s->state = SeqState::Running;
    running_.push_back(s);
    plan.seqs.push_back({computed, n, computed + n == s->num_tokens(), s});
    plan.members.push_back(s);
    plan.num_tokens += n;
    budget -= n;
  }
  return plan;
}

std::vector<Sequence*> Scheduler::update(const StepPlan& plan, std::span<const int32_t> tokens, double now_s) {
  std::vector<Sequence*> done;
  size_t next = 0;
  for (size_t i = 0; i < plan.seqs.size(); ++i) {
    const SeqStep& st = plan.seqs[i];
    Sequence* s = plan.members[i];
    s->num_computed += st.new_tokens;
    kv_.register_full_blocks(*s);
    if (!st.samples) continue;
    int32_t tok = -1;
    if (!tokens.empty()) {
      if (next >= tokens.size()) fail("internal: the backend returned {} tokens for more sampling sequences", tokens.size());
      tok = tokens[next++];
      s->output.push_back(tok);
    }
    ++s->num_output;
    if (s->first_token_s < 0) s->first_token_s = now_s;
    s->last_token_s = now_s;
    const bool eos = tok >= 0 && !s->req->ignore_eos &&
                     std::find(cfg_.eos_ids.begin(), cfg_.eos_ids.end(), int64_t(tok)) != cfg_.eos_ids.end();
    if (eos || s->num_output >= s->req->max_tokens) {
      s->reason = eos ? FinishReason::Eos : FinishReason::Length;
      s->state = SeqState::Finished;
      s->finish_s = now_s;
      done.push_back(s);
    }
  }
  if (!tokens.empty() && next != tokens.size())
    fail("internal: the backend returned {} tokens for {} sampling sequences", tokens.size(), next);
  if (!done.empty()) {
    for (Sequence* s : done) kv_.free(*s);
    std::erase_if(running_, [](const Sequence* s) { return s->state == SeqState::Finished; });
  }
  return done;
}

Sequence* Scheduler::fail_stuck(const std::string& why) {
  if (waiting_.empty()) return nullptr;
  Sequence* s = waiting_.front();
  waiting_.pop_front();
  s->state = SeqState::Failed;
  s->reason = FinishReason::Rejected;
  s->error = why;
  return s;
}

}  // namespace npulab::serve
