// The pipeline schedule of serve::PipelinePerfModel on stage models with known times: a
// micro-batch starts on a stage when the stage is free and its activations have arrived,
// the step ends with the last stage's last micro-batch; engines sharing a pipeline wait for
// its stages (virtual engines); the KV budget is what every stage can hold; communication
// counts each stage's share.
#include <gtest/gtest.h>

#include "common/error.h"
#include "serve/pipeline_perf_model.h"
#include "serve_test_util.h"

namespace npulab::serve {
namespace {

// A stage whose step takes base + per_seq x sequences, with `comm` of it communication and
// the given KV memory.
class StageModel : public PerfModel {
 public:
  StageModel(double base, double per_seq, double comm, KvMemory mem) : base_(base), per_(per_seq), comm_(comm), mem_(mem) {}
  std::string describe() const override { return "stage"; }
  KvMemory memory() const override { return mem_; }
  double step_ns(std::span<const SeqStep> step) override {
    comm_total_ += comm_;
    return base_ + per_ * double(step.size());
  }
  double comm_ns_total() const override { return comm_total_; }

 private:
  double base_, per_, comm_;
  KvMemory mem_;
  double comm_total_ = 0;
};

PipelinePlan plan(int64_t stages, int64_t micro, double send_ns) {
  PipelinePlan p;
  p.system = "test";
  p.model = "m";
  p.stages = stages;
  p.layers_per_stage = 4;
  p.micro_batches = micro;
  p.dim = 8;
  p.send = [send_ns](int64_t, uint64_t) { return send_ns; };
  return p;
}

std::vector<SeqStep> decode(int n) { return std::vector<SeqStep>(size_t(n), SeqStep{100, 1, true, nullptr}); }

TEST(Pipeline, MicroBatchesFlowThroughTheStages) {
  // 3 stages, inner stage 10 + 1/seq, last 20 + 1/seq, sends 5; 4 sequences in 2 micro-batches
  // of 2: inner 12, last 22 each.
  //   mb0: s0 0-12, s1 17-29, s2 34-56
  //   mb1: s0 12-24, s1 max(29, 29)-41, s2 max(56, 46)-78
  const KvMemory mem{1000, 10, 4096};
  PipelinePerfModel m(std::make_unique<StageModel>(10, 1, 0, mem), std::make_unique<StageModel>(20, 1, 0, mem),
                      plan(3, 2, 5));
  EXPECT_DOUBLE_EQ(m.step_ns(decode(4)), 78);
  // One micro-batch: the stages one after another, 14 + 5 + 14 + 5 + 24.
  PipelinePerfModel one(std::make_unique<StageModel>(10, 1, 0, mem), std::make_unique<StageModel>(20, 1, 0, mem),
                        plan(3, 1, 5));
  EXPECT_DOUBLE_EQ(one.step_ns(decode(4)), 62);
  // More micro-batches than sequences: one per sequence (3 sequences, 3 micro-batches of 1:
  // inner 11, last 21): s0 0-11-22-33; s1 16-27, 27-38, 38-49; s2 32-53, 53-74, 74-95.
  PipelinePerfModel many(std::make_unique<StageModel>(10, 1, 0, mem), std::make_unique<StageModel>(20, 1, 0, mem),
                         plan(3, 8, 5));
  EXPECT_DOUBLE_EQ(many.step_ns(decode(3)), 95);
}

TEST(Pipeline, KvBudgetIsWhatEveryStageHolds) {
  // Inner stages hold 1000 B / 10 B = 100 positions, the last 900 / 10 = 90: 90 positions of
  // 3 stages x 10 B.
  PipelinePerfModel m(std::make_unique<StageModel>(1, 0, 0, KvMemory{1000, 10, 4096}),
                      std::make_unique<StageModel>(1, 0, 0, KvMemory{900, 10, 2048}), plan(3, 1, 0));
  const KvMemory k = m.memory();
  EXPECT_EQ(k.bytes_per_token, 30);
  EXPECT_EQ(k.capacity_bytes, 90 * 30);
  EXPECT_EQ(k.max_context, 2048);
}

TEST(Pipeline, CommunicationIsTheStagesMeanShare) {
  // Per micro-batch: inner stages 2 ns of collectives each, the last 4, plus a 5 ns send
  // into each of the 2 later stages: (2 + 2 + 4 + 5 + 5) / 3 stages = 6 per micro-batch.
  const KvMemory mem{1000, 10, 4096};
  PipelinePerfModel m(std::make_unique<StageModel>(10, 0, 2, mem), std::make_unique<StageModel>(10, 0, 4, mem),
                      plan(3, 2, 5));
  m.step_ns(decode(2));
  EXPECT_DOUBLE_EQ(m.comm_ns_total(), 12);
}

TEST(Pipeline, StepsSharingAPipelineWaitForItsStages) {
  // 2 stages of 10 ns each, no send: a step alone takes 20; a second started at 0 on the
  // same pipeline takes stage 0 at 10-20 and stage 1 at 20-30; another pipeline is free.
  const KvMemory mem{1000, 10, 4096};
  PipelinePerfModel m(std::make_unique<StageModel>(10, 0, 0, mem), std::make_unique<StageModel>(10, 0, 0, mem),
                      plan(2, 1, 0));
  EXPECT_DOUBLE_EQ(m.step_ns_at(0, 0, decode(4)), 20);
  EXPECT_DOUBLE_EQ(m.step_ns_at(0, 0, decode(4)), 30);
  EXPECT_DOUBLE_EQ(m.step_ns_at(0, 1, decode(4)), 20);
  EXPECT_DOUBLE_EQ(m.step_ns_at(35, 0, decode(4)), 20);  // after both: from empty again
  EXPECT_DOUBLE_EQ(m.step_ns(decode(4)), 20);            // a pipeline of its own
}

// Two virtual engines on one 2-stage pipeline keep both stages busy: 2B requests of K tokens
// each (a 1-token prompt), at most B running per engine. One engine runs two waves of K
// steps of 2t; two engines run their waves together, the second a stage behind (its first
// step waits t for stage 0): 2Kt + t.
TEST(Pipeline, VirtualEnginesKeepTheStagesBusy) {
  constexpr int64_t B = 4, K = 20;
  constexpr double t = 1e6;  // ns per stage and step
  const KvMemory mem{int64_t(1) << 30, 1024, 4096};
  std::vector<Request> reqs;
  for (int64_t i = 0; i < 2 * B; ++i) reqs.push_back(test::make_request(i, 1, K));
  EngineOptions o;
  o.scheduler = test::small_config(256, 16, 64, B);
  auto duration = [&](int engines) {
    PipelinePerfModel m(std::make_unique<StageModel>(t, 0, 0, mem), std::make_unique<StageModel>(t, 0, 0, mem),
                        plan(2, 1, 0));
    std::vector<std::unique_ptr<TimingBackend>> be;
    std::vector<StepBackend*> ptrs;
    for (int e = 0; e < engines; ++e) {
      be.push_back(std::make_unique<TimingBackend>(m, 0));  // one pipeline
      ptrs.push_back(be.back().get());
    }
    return run_engine(o, ptrs, reqs).end_s;
  };
  EXPECT_NEAR(duration(1), 2 * K * 2 * t * 1e-9, 1e-12);
  EXPECT_NEAR(duration(2), (2 * K * t + t) * 1e-9, 1e-12);
}

TEST(Pipeline, ImpossiblePlansAreErrors) {
  const KvMemory mem{1000, 10, 4096};
  auto make = [&](PipelinePlan p) {
    PipelinePerfModel(std::make_unique<StageModel>(1, 0, 0, mem), std::make_unique<StageModel>(1, 0, 0, mem), p);
  };
  EXPECT_THROW(make(plan(1, 1, 0)), Error);
  EXPECT_THROW(make(plan(2, 0, 0)), Error);
  PipelinePlan p = plan(2, 1, 0);
  p.send = nullptr;
  EXPECT_THROW(make(p), Error);
  p = plan(2, 1, 0);
  p.virtual_engines = 0;
  EXPECT_THROW(make(p), Error);
}

}  // namespace
}  // namespace npulab::serve
