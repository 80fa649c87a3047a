// The compiled MoE FFN (compile/moe_ffn.cpp) on the tiny Mixtral fixture: logits against
// torch in FP32 and BF16 at every prompt position, greedy tokens equal to torch and to the
// C++ reference, both dispatch paths (per-token expert fetch with reg_load, every expert
// with gate 0), race freedom, and timing-only runs timed like functional ones.
#include <gtest/gtest.h>

#include <cmath>

#include "arch/chip.h"
#include "llm/compile/moe_ffn.h"
#include "llm/compile/step_compiler.h"
#include "llm/runtime/model_runner.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

using runtime::ModelRunner;
using runtime::RunnerOptions;

constexpr float kFp32Tol = 2e-4f;     // as compile_hf_test.cpp: summation order and libm only
constexpr float kBf16RelTol = 0.06f;  // as compile_hf_test.cpp (bf16 weights, activations, cache)

RunnerOptions opts(DType d, int64_t batch = 1) {
  RunnerOptions o;
  o.compile.weight_dtype = d;
  o.compile.max_context = 64;
  o.compile.batch = batch;
  o.check_races = true;  // every program of these tests must be race-free (runner throws)
  return o;
}

struct Fixture {
  Model m = load_model(test::tiny_path("mixtral"));
  nlohmann::json ref = test::read_json(test::tiny_path("mixtral_ref.json"));
  std::vector<int64_t> prompt = ref["prompt"].get<std::vector<int64_t>>();
};

TEST(CompileMoe, LogitsMatchTorchAtEveryPositionFp32AndBf16) {
  Fixture f;
  auto want = f.ref["logits"].get<std::vector<std::vector<float>>>();
  for (DType d : {DType::F32, DType::BF16}) {
    ModelRunner r(f.m.config, f.m.weights.get(), arch::load_chip_by_name("trn2"), opts(d));
    for (size_t p = 0; p < f.prompt.size(); ++p) {
      // position 0 by a one-token prefill, the rest by decode steps: per-token dispatch
      auto got = p == 0 ? r.prefill({f.prompt[0]}) : r.decode({f.prompt[p]});
      ASSERT_EQ(got.size(), want[p].size());
      float worst = 0, scale = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        worst = std::max(worst, std::fabs(got[i] - want[p][i]));
        scale = std::max(scale, std::fabs(want[p][i]));
      }
      EXPECT_LT(worst, d == DType::F32 ? kFp32Tol : kBf16RelTol * scale) << dtype_name(d) << " position " << p;
    }
  }
}

TEST(CompileMoe, GreedyEqualsTorchAndTheReference) {
  Fixture f;
  auto want = f.ref["greedy"].get<std::vector<int64_t>>();
  reference::ReferenceModel rm(f.m.config, *f.m.weights, 64);
  EXPECT_EQ(test::greedy(rm, f.prompt, int64_t(want.size())), want);
  ModelRunner r(f.m.config, f.m.weights.get(), arch::load_chip_by_name("trn2"), opts(DType::F32));
  // Prefill: 12 tokens x top-2 >= 4 experts, every expert runs; decode: one token, routed
  // experts only.
  EXPECT_EQ(test::greedy(r, f.prompt, int64_t(want.size())), want);
}

TEST(CompileMoe, GgufAndSafetensorsGiveTheSameTokens) {
  Fixture f;
  Model g = load_model(test::tiny_path("mixtral.gguf"));
  ModelRunner r(g.config, g.weights.get(), arch::load_chip_by_name("trn2"), opts(DType::F32));
  EXPECT_EQ(test::greedy(r, f.prompt, 20), f.ref["greedy"].get<std::vector<int64_t>>());
}

// Bucketed decode programs are built once per bucket and patched per position
// (patch_decode_step): the MoE part has nothing position-dependent, tokens stay the same.
TEST(CompileMoe, BucketedDecodeGivesTheSameTokens) {
  Fixture f;
  RunnerOptions o = opts(DType::F32);
  o.decode_key_bucket = 8;
  ModelRunner r(f.m.config, f.m.weights.get(), arch::load_chip_by_name("trn2"), o);
  EXPECT_EQ(test::greedy(r, f.prompt, 20), f.ref["greedy"].get<std::vector<int64_t>>());
  size_t patched = 0;
  for (const auto& st : r.steps()) patched += st.patched;
  EXPECT_GT(patched, 10u);
}

// Batch 2 decode: 2 tokens x top-2 = 4 >= 4 experts, so decode runs every expert too.
TEST(CompileMoe, BatchedDecodeMatchesTheReferencePerSequence) {
  Fixture f;
  const std::vector<int64_t> a(f.prompt.begin(), f.prompt.begin() + 6), b(f.prompt.begin() + 6, f.prompt.end());
  ModelRunner r(f.m.config, f.m.weights.get(), arch::load_chip_by_name("trn2"), opts(DType::F32, 2));
  r.prefill(a, 0);
  r.prefill(b, 1);
  auto got = r.decode({7, 9});
  const size_t V = size_t(f.m.config.vocab_size);
  ASSERT_EQ(got.size(), 2 * V);
  for (int s = 0; s < 2; ++s) {
    reference::ReferenceModel rm(f.m.config, *f.m.weights, 64);
    const auto& seq = s == 0 ? a : b;
    for (size_t p = 0; p < seq.size(); ++p) rm.forward(seq[p], int64_t(p));
    auto want = rm.forward(s == 0 ? 7 : 9, int64_t(seq.size()));
    float worst = 0;
    for (size_t i = 0; i < V; ++i) worst = std::max(worst, std::fabs(got[s * V + i] - want[i]));
    EXPECT_LT(worst, kFp32Tol) << "sequence " << s;
  }
}

size_t count_op(const isa::Executable& exe, isa::Opcode op) {
  size_t n = 0;
  for (const auto& s : exe.cores[0].streams)
    for (const auto& in : s) n += in.op == op;
  return n;
}

TEST(CompileMoe, DispatchChoosesPerTokenFetchOnlyForFewTokens) {
  Fixture f;
  const ModelConfig& c = f.m.config;
  EXPECT_TRUE(compile::moe_per_token_dispatch(c, 1));   // 2 < 4
  EXPECT_FALSE(compile::moe_per_token_dispatch(c, 2));  // 4 >= 4
  compile::CompileOptions co;
  co.max_context = 64;
  compile::ModelLayout L(c, arch::load_chip_by_name("trn2"), co);
  compile::StepSpec one;
  one.kind = compile::StepSpec::Kind::Decode;
  one.tokens = {5};
  one.pos0 = 3;
  const isa::Executable dec = compile::compile_step(L, one).exe;
  compile::StepSpec many;
  many.tokens = f.prompt;
  const isa::Executable pre = compile::compile_step(L, many).exe;
  // Per-token: expert weights come by register-relative DMAs; each DMA queue reloads the
  // expert register at most once per (layer, token, slot) pass, not once per DMA piece.
  size_t reg_dmas = 0;
  for (const auto& s : dec.cores[0].streams)
    for (const auto& in : s)
      if (in.op == isa::Opcode::dma_copy && in.t[1].offset_reg == compile::kExpertRegister) ++reg_dmas;
  const size_t reg_loads = count_op(dec, isa::Opcode::reg_load);
  const size_t queues = dec.cores[0].streams.size() - isa::kNumFixedStreams;
  EXPECT_GT(reg_loads, 0u);
  EXPECT_LE(reg_loads, reg_dmas);
  EXPECT_LE(reg_loads, queues * size_t(c.n_layers * c.n_experts_per_tok));
  // Wider experts (several weight tiles per queue and pass): far fewer reloads than DMAs.
  ModelConfig wide = c;
  wide.dim = 1024;
  wide.hidden_dim = 4096;
  const isa::Executable wdec = compile::compile_step(compile::ModelLayout(wide, arch::load_chip_by_name("trn2"), co), one).exe;
  size_t wide_dmas = 0;
  for (const auto& s : wdec.cores[0].streams)
    for (const auto& in : s)
      if (in.op == isa::Opcode::dma_copy && in.t[1].offset_reg == compile::kExpertRegister) ++wide_dmas;
  EXPECT_LT(2 * count_op(wdec, isa::Opcode::reg_load), wide_dmas);
  EXPECT_EQ(count_op(pre, isa::Opcode::reg_load), 0u);
  // max8 + find_index8 once per layer in both.
  EXPECT_EQ(count_op(dec, isa::Opcode::max8), size_t(c.n_layers));
  EXPECT_EQ(count_op(pre, isa::Opcode::find_index8), size_t(c.n_layers));
}

// Timing-only runs load expert 0 where the functional run loads the routed expert (reg_load
// has no values there): the simulated times must still be identical.
TEST(CompileMoe, TimingOnlyTimesEqualFunctionalTimes) {
  Fixture f;
  auto run = [&](sim::Mode mode) {
    RunnerOptions o = opts(DType::BF16);
    o.mode = mode;
    ModelRunner r(f.m.config, mode == sim::Mode::Functional ? f.m.weights.get() : nullptr,
                  arch::load_chip_by_name("trn2"), o);
    r.prefill({f.prompt.begin(), f.prompt.begin() + 5});
    r.decode({f.prompt[5]});
    r.decode({f.prompt[6]});
    return r.steps();
  };
  auto fs = run(sim::Mode::Functional), ts = run(sim::Mode::TimingOnly);
  ASSERT_EQ(fs.size(), ts.size());
  for (size_t i = 0; i < fs.size(); ++i) {
    EXPECT_EQ(fs[i].sim_ns, ts[i].sim_ns) << "step " << i;
    EXPECT_EQ(fs[i].instrs, ts[i].instrs) << "step " << i;
  }
}

TEST(CompileMoe, MoreThanEightExpertsPerTokenIsAClearError) {
  ModelConfig c = load_model(test::tiny_path("mixtral")).config;
  c.n_experts = 16;
  c.n_experts_per_tok = 9;
  EXPECT_ERROR_CONTAINS(compile::ModelLayout(c, arch::load_chip_by_name("trn2"), {}), "9 experts per token",
                        "at most 8");
}

}  // namespace
}  // namespace npulab::llm
