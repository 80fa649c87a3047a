// Tensor parallelism over the chip's NeuronCores (compile/tp_plan.h): the programs of every
// rank together give the logits of the independent references and the same greedy tokens
// as one core, at TP = 2, 4, 8 (LNC=1) and TP = 2, 4 with LNC=2, on the tiny Hugging Face
// fixtures (torch logits) and on a stories260K-shaped model whose head counts divide by 8
// (plain C++ reference); kv heads replicated when there are fewer than ranks. The race
// detector runs on every program (cross-core accesses included).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "arch/chip.h"
#include "llm/compile/tp_layout.h"
#include "llm/reference/sampler.h"
#include "llm/runtime/generation.h"
#include "llm/runtime/model_runner.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

using runtime::ModelRunner;
using runtime::RunnerOptions;

// FP32: as one core (compile_hf_test.cpp), plus the ranks' partial sums added in another
// order (per rank, then over ranks in the collective): rounding only.
constexpr float kFp32Tol = 2e-4f;
// BF16: as one core (6% of the largest |logit|); the all-reduce adds one bf16 rounding of
// each rank's partial residual update per block, which the bound covers (measured below it).
constexpr float kBf16RelTol = 0.06f;

struct Tp {
  int64_t tp, lnc;
};

RunnerOptions tp_opts(DType d, Tp t, int64_t ctx = 64) {
  RunnerOptions o;
  o.compile.weight_dtype = d;
  o.compile.max_context = ctx;
  o.compile.tp = t.tp;
  o.compile.lnc = t.lnc;
  o.check_races = true;
  return o;
}

std::string name(Tp t) { return "tp" + std::to_string(t.tp) + " lnc" + std::to_string(t.lnc); }

// Logits at every prompt position: the first token by a prefill, the rest by decode steps.
std::vector<std::vector<float>> npu_logits(const Model& m, const RunnerOptions& o, const std::vector<int64_t>& prompt) {
  ModelRunner r(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
  std::vector<std::vector<float>> out;
  out.push_back(r.prefill({prompt[0]}));
  for (size_t i = 1; i < prompt.size(); ++i) out.push_back(r.decode({prompt[i]}));
  return out;
}

std::vector<int64_t> npu_greedy(const Model& m, const RunnerOptions& o, const std::vector<int64_t>& prompt,
                                int64_t steps) {
  ModelRunner r(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
  return test::greedy(r, prompt, steps);
}

float worst_rel(const std::vector<float>& got, const std::vector<float>& want, float* scale_out = nullptr) {
  float worst = 0, scale = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    worst = std::max(worst, std::fabs(got[i] - want[i]));
    scale = std::max(scale, std::fabs(want[i]));
  }
  if (scale_out) *scale_out = scale;
  return worst;
}

// The tiny HF fixtures have 4 query heads / 2 kv heads: TP 2 and 4 (kv heads replicated
// twice at 4) and TP 2 x LNC 2 (4 physical cores).
void check_fixture(const std::string& dir) {
  Model m = load_model(test::tiny_path(dir));
  auto ref = test::read_json(test::tiny_path(dir + "_ref.json"));
  auto prompt = ref["prompt"].get<std::vector<int64_t>>();
  auto want = ref["logits"].get<std::vector<std::vector<float>>>();
  auto torch_greedy = ref["greedy"].get<std::vector<int64_t>>();
  const auto one_core = npu_greedy(m, tp_opts(DType::F32, {1, 1}), prompt, int64_t(torch_greedy.size()));
  EXPECT_EQ(one_core, torch_greedy) << dir;
  for (Tp t : {Tp{2, 1}, Tp{4, 1}, Tp{2, 2}, Tp{4, 2}}) {
    auto got = npu_logits(m, tp_opts(DType::F32, t), prompt);
    ASSERT_EQ(got.size(), want.size());
    for (size_t p = 0; p < got.size(); ++p) EXPECT_LT(worst_rel(got[p], want[p]), kFp32Tol) << dir << " " << name(t) << " position " << p;
    EXPECT_EQ(npu_greedy(m, tp_opts(DType::F32, t), prompt, int64_t(torch_greedy.size())), one_core)
        << dir << " " << name(t);
  }
  for (Tp t : {Tp{2, 1}, Tp{2, 2}, Tp{4, 2}}) {
    auto got = npu_logits(m, tp_opts(DType::BF16, t), prompt);
    for (size_t p = 0; p < got.size(); ++p) {
      float scale = 0;
      const float worst = worst_rel(got[p], want[p], &scale);
      EXPECT_LT(worst, kBf16RelTol * scale) << dir << " bf16 " << name(t) << " position " << p;
    }
  }
}

TEST(TensorParallel, TinyLlama3MatchesTorchAndOneCore) { check_fixture("llama3"); }
TEST(TensorParallel, TinyQwen2QkvBiasMatchesTorchAndOneCore) { check_fixture("qwen2"); }
TEST(TensorParallel, TinyTiedShardedMatchesTorchAndOneCore) { check_fixture("llama_tied_sharded"); }
TEST(TensorParallel, TinyMixtralExpertsSplitMatchTorchAndOneCore) { check_fixture("mixtral"); }

// A random model of stories260K's shape (dim 64, 5 layers, head_dim 8, vocabulary 512),
// with 8 query heads / 2 kv heads and an FFN of 176 so that every degree up to 8 divides:
// kv heads are split at TP 2 and replicated 2x / 4x at 4 / 8 ranks. Written as a llama2.c
// file (untied classifier), so it loads like stories260K.
std::string write_stories_shaped(const test::ScratchDir& dir) {
  const int32_t dim = 64, hid = 176, layers = 5, heads = 8, kv = 2, vocab = 512, seq = 64;
  const int64_t kvd = dim * kv / heads, hd = dim / heads;
  std::mt19937 rng(20261203);
  std::vector<float> f;
  auto mat = [&](int64_t n, int64_t fan_in) {
    std::normal_distribution<float> d(0.0f, 1.0f / std::sqrt(float(fan_in)));
    for (int64_t i = 0; i < n; ++i) f.push_back(d(rng));
  };
  auto norm = [&](int64_t n) {
    std::uniform_real_distribution<float> d(0.8f, 1.2f);
    for (int64_t i = 0; i < n; ++i) f.push_back(d(rng));
  };
  mat(int64_t(vocab) * dim, 1);                       // token embeddings
  norm(int64_t(layers) * dim);                        // rms_att
  mat(int64_t(layers) * dim * dim, dim);              // wq
  mat(int64_t(layers) * kvd * dim, dim);              // wk
  mat(int64_t(layers) * kvd * dim, dim);              // wv
  mat(int64_t(layers) * dim * dim, dim);              // wo
  norm(int64_t(layers) * dim);                        // rms_ffn
  mat(int64_t(layers) * hid * dim, dim);              // w1
  mat(int64_t(layers) * dim * hid, hid);              // w2
  mat(int64_t(layers) * hid * dim, dim);              // w3
  norm(dim);                                          // rms_final
  f.insert(f.end(), size_t(seq * hd), 0.0f);          // legacy freq_cis tables (unused)
  mat(int64_t(vocab) * dim, dim);                     // wcls
  const int32_t header[7] = {dim, hid, layers, heads, kv, -vocab, seq};
  std::vector<char> raw(sizeof(header) + f.size() * 4);
  std::memcpy(raw.data(), header, sizeof(header));
  std::memcpy(raw.data() + sizeof(header), f.data(), f.size() * 4);
  return dir.write("stories_shaped.bin", raw);
}

TEST(TensorParallel, StoriesShapedModelEveryDegreeMatchesReferenceAndOneCore) {
  test::ScratchDir dir;
  Model m = load_model(write_stories_shaped(dir));
  const std::vector<int64_t> prompt = {1, 403, 407, 261, 378, 488, 259, 1, 77};
  constexpr int64_t kSteps = 24;
  reference::ReferenceModel rm(m.config, *m.weights, 64);
  std::span<const float> want;
  for (size_t i = 0; i < prompt.size(); ++i) want = rm.forward(prompt[i], int64_t(i));
  const std::vector<float> want_prefill(want.begin(), want.end());
  const auto ref_tokens = test::greedy(rm, prompt, kSteps);
  for (Tp t : {Tp{1, 1}, Tp{2, 1}, Tp{4, 1}, Tp{8, 1}, Tp{2, 2}, Tp{4, 2}}) {
    ModelRunner r(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), tp_opts(DType::F32, t));
    EXPECT_EQ(r.tp_layout().ranks(), t.tp * t.lnc);
    auto got = r.prefill(prompt);
    EXPECT_LT(worst_rel(got, want_prefill), kFp32Tol) << name(t);
    r.reset();
    EXPECT_EQ(test::greedy(r, prompt, kSteps), ref_tokens) << name(t);
  }
}

// Bucketed decode (patched programs on every core), looped vs unrolled layers and resident
// vs streamed weights keep giving the same bits at TP 2 x LNC 2 (the reduction order does
// not change with them); timing-only runs of the same steps simulate the same time.
TEST(TensorParallel, BucketsLoopsResidencyAndTimingOnlyKeepWorking) {
  test::ScratchDir dir;
  Model m = load_model(write_stories_shaped(dir));
  const std::vector<int64_t> prompt = {1, 403, 407, 261};
  const Tp t{2, 2};
  auto run = [&](auto&& tweak) {
    RunnerOptions o = tp_opts(DType::F32, t);
    tweak(o);
    ModelRunner r(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
    std::vector<std::vector<float>> out{r.prefill(prompt)};
    for (int64_t tok : {5, 9, 300, 17, 42}) out.push_back(r.decode({tok}));
    return std::pair{out, r.steps()};
  };
  const auto [exact, exact_steps] = run([](RunnerOptions&) {});
  const auto [bucket, bucket_steps] = run([](RunnerOptions& o) { o.decode_key_bucket = 8; });
  EXPECT_EQ(exact, bucket);
  // (positions 4..8 with buckets of 8: the decodes at 5, 6 and 7 patch the program of 4's bucket)
  EXPECT_TRUE(std::any_of(bucket_steps.begin(), bucket_steps.end(), [](const runtime::StepRecord& s) { return s.patched; }));
  const auto [streamed, streamed_steps] = run([](RunnerOptions& o) { o.compile.resident_weights = false; });
  EXPECT_EQ(exact, streamed);
  const auto [unrolled, unrolled_steps] = run([](RunnerOptions& o) {
    o.compile.resident_weights = false;
    o.compile.unroll_layers = true;
  });
  EXPECT_EQ(streamed, unrolled);
  for (size_t i = 0; i < streamed_steps.size(); ++i) EXPECT_EQ(streamed_steps[i].sim_ns, unrolled_steps[i].sim_ns);
  // Timing-only: the same programs, the same simulated times.
  RunnerOptions o = tp_opts(DType::F32, t);
  o.mode = sim::Mode::TimingOnly;
  ModelRunner r(m.config, nullptr, arch::load_chip_by_name("trn2"), o);
  r.prefill(prompt);
  for (int64_t tok : {5, 9, 300, 17, 42}) r.decode({tok});
  ASSERT_EQ(r.steps().size(), exact_steps.size());
  for (size_t i = 0; i < exact_steps.size(); ++i) {
    EXPECT_EQ(r.steps()[i].sim_ns, exact_steps[i].sim_ns) << "step " << i;
    EXPECT_EQ(r.steps()[i].instrs, exact_steps[i].instrs) << "step " << i;
  }
}

// Row-split attention (tp_plan.h): the tiny fixture's 4 heads over TP 4 x LNC 2 = 8 cores
// divide over the logical cores only, so the two cores of each share its head by rows.
// A prefill of 9 positions splits them 4 / 5; a decode of a batch of 3 splits the
// sequences 1 / 2. Logits match the reference per sequence and the tokens match one core.
TEST(TensorParallel, RowSplitAttentionSharesALogicalCoresHeadByRows) {
  Model m = load_model(test::tiny_path("llama3"));
  const std::vector<std::vector<int64_t>> prompts = {
      {1, 7, 42, 9, 3, 88, 15, 61, 2}, {1, 5, 77, 23, 4, 19, 30, 8, 50}, {1, 99, 12, 6, 140, 3, 71, 20, 9}};
  const int64_t B = int64_t(prompts.size());
  auto opts = [&](Tp t) {
    RunnerOptions o = tp_opts(DType::F32, t, 32);
    o.compile.batch = B;
    return o;
  };
  ModelRunner split(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), opts({4, 2}));
  ModelRunner one(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), opts({1, 1}));
  const compile::TpLayout& L = split.tp_layout();
  ASSERT_EQ(L.ranks(), 8);
  for (int64_t r = 0; r < L.ranks(); ++r) {
    EXPECT_EQ(L.rank(r).shard().attn_subs, 2) << r;
    EXPECT_EQ(L.rank(r).config().n_heads, 1) << r;
  }
  EXPECT_EQ(L.rank(0).shard().attn_rows(9), (std::pair<uint32_t, uint32_t>{0, 4}));
  EXPECT_EQ(L.rank(1).shard().attn_rows(9), (std::pair<uint32_t, uint32_t>{4, 9}));
  std::vector<reference::ReferenceModel> refs;
  std::vector<int64_t> next(prompts.size()), next_one(prompts.size());
  for (int64_t b = 0; b < B; ++b) {
    refs.emplace_back(m.config, *m.weights, 32);
    std::span<const float> want;
    for (size_t p = 0; p < prompts[size_t(b)].size(); ++p) want = refs.back().forward(prompts[size_t(b)][p], int64_t(p));
    const auto got = split.prefill(prompts[size_t(b)], b);
    EXPECT_LT(worst_rel(got, std::vector<float>(want.begin(), want.end())), kFp32Tol) << "prefill " << b;
    next[size_t(b)] = reference::argmax(want);
    next_one[size_t(b)] = reference::argmax(one.prefill(prompts[size_t(b)], b));
  }
  EXPECT_EQ(next, next_one);
  const int64_t p0 = int64_t(prompts[0].size());
  const size_t V = size_t(m.config.vocab_size);
  for (int64_t step = 0; step < 5; ++step) {
    const auto got = split.decode(next);
    const auto got_one = one.decode(next);
    for (int64_t b = 0; b < B; ++b) {
      const auto want = refs[size_t(b)].forward(next[size_t(b)], p0 + step);
      const std::vector<float> row(got.begin() + ptrdiff_t(size_t(b) * V), got.begin() + ptrdiff_t(size_t(b + 1) * V));
      const std::vector<float> row_one(got_one.begin() + ptrdiff_t(size_t(b) * V),
                                       got_one.begin() + ptrdiff_t(size_t(b + 1) * V));
      EXPECT_LT(worst_rel(row, std::vector<float>(want.begin(), want.end())), kFp32Tol) << "decode " << step << " seq " << b;
      EXPECT_EQ(reference::argmax(row), reference::argmax(row_one)) << "decode " << step << " seq " << b;
      next[size_t(b)] = reference::argmax(want);
    }
  }
  for (const auto& s : split.steps()) EXPECT_EQ(s.races, 0u);
}

}  // namespace
}  // namespace npulab::llm
