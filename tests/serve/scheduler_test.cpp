// The continuous-batching scheduler, step by step: the token budget, chunked prefill mixed
// with decode, the running-sequence limit, admission by free KV blocks, preemption by
// recompute, prefix-cache hits, EOS and max-tokens finishes, and block accounting.
#include <gtest/gtest.h>

#include <numeric>

#include "serve/scheduler.h"
#include "serve_test_util.h"

namespace npulab::serve {
namespace {

using test::make_request;
using test::small_config;

struct Harness {
  explicit Harness(const SchedulerConfig& c) : sched(c) {}
  void add(const Request& r) {
    reqs.push_back(r);
  }
  void start() {
    seqs.resize(reqs.size());
    for (size_t i = 0; i < reqs.size(); ++i) {
      seqs[i].req = &reqs[i];
      sched.add(&seqs[i]);
    }
  }
  // One step: plan, check the invariants, advance (no token ids).
  StepPlan step(std::vector<int32_t> tokens = {}) {
    StepPlan p = sched.schedule();
    EXPECT_LE(p.num_tokens, sched.config().max_num_batched_tokens);
    EXPECT_LE(sched.num_running(), sched.config().max_num_seqs);
    check_blocks();
    now += 1;
    finished_now = sched.update(p, tokens, now);
    check_blocks();
    return p;
  }
  // Every referenced block is referenced by exactly the sequences holding it.
  void check_blocks() {
    std::vector<int32_t> refs(size_t(sched.kv().num_blocks()), 0);
    for (const Sequence& s : seqs)
      for (int32_t b : s.blocks) ++refs[size_t(b)];
    int64_t used = 0;
    for (int32_t b = 0; b < int32_t(refs.size()); ++b) {
      EXPECT_EQ(refs[size_t(b)], sched.kv().pool().ref_count(b)) << "block " << b;
      used += refs[size_t(b)] > 0;
    }
    EXPECT_EQ(used, sched.kv().num_used());
  }
  std::vector<Request> reqs;
  std::vector<Sequence> seqs;
  Scheduler sched;
  std::vector<Sequence*> finished_now;
  double now = 0;
};

TEST(Scheduler, ChunksAPromptToTheBudgetAndSamplesOnlyAtItsEnd) {
  Harness h(small_config(64, 16, 128));
  h.reqs.reserve(1);
  h.add(make_request(0, 300, 3));
  h.start();
  const int64_t want[] = {128, 128, 44, 1, 1};
  for (int i = 0; i < 5; ++i) {
    const StepPlan p = h.step();
    ASSERT_EQ(p.seqs.size(), 1u);
    EXPECT_EQ(p.seqs[0].new_tokens, want[i]) << "step " << i;
    EXPECT_EQ(p.seqs[0].samples, i >= 2) << "step " << i;
    EXPECT_EQ(p.seqs[0].context, i < 3 ? 128 * i : 300 + i - 3);
  }
  EXPECT_EQ(h.seqs[0].state, SeqState::Finished);
  EXPECT_EQ(h.seqs[0].num_output, 3);
  EXPECT_EQ(h.seqs[0].reason, FinishReason::Length);
  EXPECT_EQ(h.sched.kv().num_used(), 0);
}

TEST(Scheduler, DecodesFirstThenFillsTheBudgetWithAPrefillChunk) {
  Harness h(small_config(64, 16, 64));
  h.reqs.reserve(3);
  h.add(make_request(0, 40, 10));
  h.add(make_request(1, 40, 10));
  h.add(make_request(2, 200, 10));
  h.start();
  StepPlan p = h.step();  // 40 of A, 24 of B
  ASSERT_EQ(p.seqs.size(), 2u);
  EXPECT_EQ(p.seqs[0].new_tokens, 40);
  EXPECT_TRUE(p.seqs[0].samples);
  EXPECT_EQ(p.seqs[1].new_tokens, 24);
  EXPECT_FALSE(p.seqs[1].samples);
  p = h.step();  // A decodes 1, B finishes its prompt (16), C starts with the remaining 47
  ASSERT_EQ(p.seqs.size(), 3u);
  EXPECT_EQ(p.seqs[0].new_tokens, 1);
  EXPECT_EQ(p.seqs[1].new_tokens, 16);
  EXPECT_EQ(p.seqs[2].new_tokens, 47);
  EXPECT_EQ(p.num_tokens, 64);
  p = h.step();  // two decodes and 62 more of C
  EXPECT_EQ(p.seqs[2].new_tokens, 62);
  EXPECT_EQ(p.seqs[2].context, 47);
}

TEST(Scheduler, RespectsTheRunningSequenceLimit) {
  Harness h(small_config(256, 16, 1024, 2));
  h.reqs.reserve(5);
  for (int i = 0; i < 5; ++i) h.add(make_request(i, 10, 4));
  h.start();
  int64_t steps = 0;
  while (!h.sched.idle() && steps < 100) {
    h.step();
    EXPECT_LE(h.sched.num_running(), 2);
    ++steps;
  }
  EXPECT_TRUE(h.sched.idle());
  for (const Sequence& s : h.seqs) EXPECT_EQ(s.num_output, 4);
}

TEST(Scheduler, AdmitsByFreeBlocks) {
  // 6 blocks of 16: a 60-token prompt takes 4, so a second one waits for the first to finish.
  Harness h(small_config(6, 16, 512));
  h.reqs.reserve(2);
  h.add(make_request(0, 60, 2));
  h.add(make_request(1, 60, 2));
  h.start();
  StepPlan p = h.step();
  ASSERT_EQ(p.seqs.size(), 1u);
  EXPECT_EQ(h.sched.num_waiting(), 1);
  p = h.step();  // the first one's last token; it finishes and frees its blocks
  EXPECT_EQ(h.seqs[0].state, SeqState::Finished);
  p = h.step();
  ASSERT_EQ(p.seqs.size(), 1u);
  EXPECT_EQ(p.seqs[0].seq, &h.seqs[1]);
}

TEST(Scheduler, PreemptsTheLatestAdmittedAndRecomputesIt) {
  // 8 blocks of 4 tokens; two sequences of 12 prompt tokens (3 blocks each) growing by 1 per
  // step: after 8 more positions both want more than 8 blocks, so the second is preempted.
  Harness h(small_config(8, 4, 64, 8));
  h.reqs.reserve(2);
  h.add(make_request(0, 12, 12));
  h.add(make_request(1, 12, 12));
  h.start();
  int64_t steps = 0;
  bool saw = false;
  while (!h.sched.idle() && steps < 200) {
    const StepPlan p = h.step();
    if (!p.preempted.empty()) {
      saw = true;
      EXPECT_EQ(p.preempted[0], &h.seqs[1]);
      EXPECT_EQ(h.seqs[1].num_computed, 0);
      EXPECT_TRUE(h.seqs[1].blocks.empty());
    }
    ++steps;
  }
  EXPECT_TRUE(saw);
  EXPECT_GE(h.seqs[1].preemptions, 1);
  EXPECT_EQ(h.seqs[0].preemptions, 0);
  for (const Sequence& s : h.seqs) {
    EXPECT_EQ(s.state, SeqState::Finished);
    EXPECT_EQ(s.num_output, 12);
  }
  EXPECT_EQ(h.sched.kv().num_used(), 0);
}

TEST(Scheduler, ReusesACachedPrefixAndComputesOnlyTheRest) {
  Harness h(small_config(64, 16, 512));
  h.reqs.reserve(2);
  h.add(make_request(0, 100, 1, 0, 80));  // 80 shared tokens = 5 full blocks
  h.start();
  h.step();
  ASSERT_EQ(h.seqs[0].state, SeqState::Finished);
  // The first request's blocks are free but still cached.
  EXPECT_EQ(h.sched.kv().num_used(), 0);
  h.reqs.push_back(make_request(1, 90, 1, 0, 80));
  h.seqs.emplace_back();
  h.seqs[0].req = &h.reqs[0];  // (vectors may have moved)
  h.seqs[1].req = &h.reqs[1];
  h.sched.add(&h.seqs[1]);
  const StepPlan p = h.step();
  ASSERT_EQ(p.seqs.size(), 1u);
  EXPECT_EQ(p.seqs[0].context, 80);
  EXPECT_EQ(p.seqs[0].new_tokens, 10);
  EXPECT_EQ(h.seqs[1].cached_tokens, 80);
  EXPECT_EQ(h.sched.kv().prefix_stats().queried_tokens, 190);
  EXPECT_EQ(h.sched.kv().prefix_stats().hit_tokens, 80);
}

TEST(Scheduler, AWholeCachedPromptStillComputesItsLastToken) {
  Harness h(small_config(64, 16, 512));
  h.reqs.reserve(2);
  h.add(make_request(0, 64, 1, 0, 64));
  h.add(make_request(1, 64, 1, 0, 64));
  h.start();
  h.step();  // both prefill: the second cannot hit blocks computed in the same step
  StepPlan p;
  // Re-run the same prompt: 3 of its 4 blocks hit (the last token is always computed).
  h.reqs.push_back(make_request(2, 64, 1, 0, 64));
  h.seqs.emplace_back();
  for (size_t i = 0; i < h.seqs.size(); ++i) h.seqs[i].req = &h.reqs[i];
  h.sched.add(&h.seqs[2]);
  p = h.step();
  ASSERT_EQ(p.seqs.size(), 1u);
  EXPECT_EQ(p.seqs[0].context, 48);
  EXPECT_EQ(p.seqs[0].new_tokens, 16);
}

TEST(Scheduler, FinishesOnEosUnlessIgnored) {
  SchedulerConfig c = small_config(64, 16, 512);
  c.eos_ids = {2};
  Harness h(c);
  h.reqs.reserve(2);
  Request a = make_request(0, 8, 10);
  a.ignore_eos = false;
  Request b = make_request(1, 8, 10);
  b.ignore_eos = true;
  h.add(a);
  h.add(b);
  h.start();
  h.step({5, 5});
  h.step({2, 2});
  EXPECT_EQ(h.seqs[0].state, SeqState::Finished);
  EXPECT_EQ(h.seqs[0].reason, FinishReason::Eos);
  EXPECT_EQ(h.seqs[0].output, (std::vector<int32_t>{5, 2}));
  EXPECT_EQ(h.seqs[1].state, SeqState::Running);
}

TEST(Scheduler, RejectsWhatCanNeverBeServed) {
  SchedulerConfig c = small_config(4, 16, 512);
  c.max_model_len = 100;
  Scheduler s(c);
  EXPECT_NE(s.rejection(make_request(0, 90, 20)).find("exceeds the maximum context of 100"), std::string::npos);
  EXPECT_NE(s.rejection(make_request(0, 70, 10)).find("needs 5 KV blocks"), std::string::npos);
  EXPECT_EQ(s.rejection(make_request(0, 50, 10)), "");
  EXPECT_NE(s.rejection(make_request(0, 0, 10)), "");
}

TEST(Scheduler, WithoutChunkingAPromptWaitsForAWholeBudget) {
  SchedulerConfig c = small_config(64, 16, 256);
  c.chunked_prefill = false;
  c.max_model_len = 256;
  Harness h(c);
  h.reqs.reserve(2);
  h.add(make_request(0, 200, 5));
  h.add(make_request(1, 200, 5));
  h.start();
  StepPlan p = h.step();
  ASSERT_EQ(p.seqs.size(), 1u);  // the second prompt does not fit the remaining 56 tokens
  EXPECT_EQ(p.seqs[0].new_tokens, 200);
  p = h.step();  // one decode token leaves 255: now the second prompt fits whole
  ASSERT_EQ(p.seqs.size(), 2u);
  EXPECT_EQ(p.seqs[1].new_tokens, 200);
}

}  // namespace
}  // namespace npulab::serve
