// Continuous batching in the manner of vLLM V1's scheduler. Every step has a token budget
// (max_num_batched_tokens) and at most max_num_seqs running sequences:
//   1. running sequences first, in admission order: each asks for its remaining tokens (1 in
//      decode, the rest of its prompt or of a recompute otherwise), capped by the budget
//      (chunked prefill); when the KV cache has no block for it, the most recently admitted
//      running sequence is preempted (its blocks freed, recomputed from scratch later);
//   2. then, if nothing was preempted, waiting sequences in arrival order (preempted ones
//      first) while budget and sequence slots remain: the longest cached prefix is reused
//      (prefix caching), the rest is scheduled as a chunk if the free blocks admit it.
// A sequence whose step reaches its last known token samples one; it finishes on EOS
// (unless ignore_eos) or at max_tokens, and its blocks go back to the pool (still cached).
#pragma once
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "serve/kv_cache_manager.h"
#include "serve/step.h"

namespace npulab::serve {

struct SchedulerConfig {
  int64_t max_num_seqs = 128;             // running sequences at most
  int64_t max_num_batched_tokens = 512;   // token budget per step
  bool chunked_prefill = true;            // off: a prompt that does not fit the budget waits
  int64_t max_model_len = 4096;           // prompt + output at most (the step programs' context)
  int64_t block_size = 128;               // positions per KV block
  int64_t num_blocks = 0;                 // KV blocks in the cache
  bool prefix_caching = true;
  std::vector<int64_t> eos_ids;           // ids that end a sequence (unless its request ignores EOS)
  void validate() const;
};

struct StepPlan {
  std::vector<SeqStep> seqs;             // running order
  std::vector<Sequence*> members;        // the same sequences, for the scheduler to update
  std::vector<Sequence*> preempted;      // this step
  int64_t num_tokens = 0;
  bool empty() const { return seqs.empty(); }
};

class Scheduler {
 public:
  explicit Scheduler(const SchedulerConfig& cfg);

  const SchedulerConfig& config() const { return cfg_; }
  const KvCacheManager& kv() const { return kv_; }
  // A request that cannot ever be served here (too long for the context or the whole KV
  // cache): the reason, else empty.
  std::string rejection(const Request& r) const;
  void add(Sequence* s);  // arrival (state Waiting)
  StepPlan schedule();
  // The step ran: advance the scheduled sequences, append the sampled tokens (`tokens`: one
  // per sampling sequence, or empty when the backend produces no ids), finish sequences,
  // stamping token times with `now_s`. Returns the sequences that finished in this step.
  std::vector<Sequence*> update(const StepPlan& plan, std::span<const int32_t> tokens, double now_s);
  // Fail the head of the waiting queue (it cannot be scheduled even on an idle engine).
  Sequence* fail_stuck(const std::string& why);

  int64_t num_running() const { return int64_t(running_.size()); }
  int64_t num_waiting() const { return int64_t(waiting_.size()); }
  bool idle() const { return running_.empty() && waiting_.empty(); }
  int64_t preemptions() const { return preemptions_; }

 private:
  void preempt(Sequence* s);
  SchedulerConfig cfg_;
  KvCacheManager kv_;
  std::vector<Sequence*> running_;
  std::deque<Sequence*> waiting_;
  int64_t preemptions_ = 0;
};

}  // namespace npulab::serve
