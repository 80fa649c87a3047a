// Tiny Hugging Face-format models (tests/llm/fixtures/gen_tiny_hf.py: GQA, rope_theta
// 500000 with Llama 3.1 scaling, Qwen2 QKV bias, tied embeddings, sharded safetensors) run
// through the compiled programs against torch's logits, in FP32 and BF16; and the same
// model as GGUF and as safetensors gives the same tokens.
#include <gtest/gtest.h>

#include <cmath>

#include "arch/chip.h"
#include "llm/reference/sampler.h"
#include "llm/runtime/model_runner.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

using runtime::ModelRunner;
using runtime::RunnerOptions;

// FP32: torch and the simulated chip differ in summation order and libm only (~1e-5).
constexpr float kFp32Tol = 2e-4f;
// BF16: weights, matmul inputs and the KV cache are rounded to bf16 (8-bit mantissa,
// relative error 2^-9 per rounding); over 2 layers the logits (|logit| < ~3 here) move by
// up to ~3e-2. The bound is 6% of the largest |logit| at that position.
constexpr float kBf16RelTol = 0.06f;

// FP8: worst error / max |logit| measured 0.065-0.153 over the 12 positions of this
// fixture; the bound is 2x the worst.
constexpr float kFp8RelTol = 0.3f;

RunnerOptions opts(DType d) {
  RunnerOptions o;
  o.compile.weight_dtype = d;
  o.compile.max_context = 64;
  return o;
}

// Logits at every prompt position: the first token by a prefill, the rest by decode steps.
std::vector<std::vector<float>> npu_logits(const Model& m, DType d, const std::vector<int64_t>& prompt) {
  ModelRunner r(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), opts(d));
  std::vector<std::vector<float>> out;
  out.push_back(r.prefill({prompt[0]}));
  for (size_t i = 1; i < prompt.size(); ++i) out.push_back(r.decode({prompt[i]}));
  return out;
}

std::vector<int64_t> npu_greedy(const Model& m, DType d, const std::vector<int64_t>& prompt, int64_t steps) {
  ModelRunner r(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), opts(d));
  return test::greedy(r, prompt, steps);
}

void check_fixture(const std::string& dir, const std::string& ref_name) {
  Model m = load_model(test::tiny_path(dir));
  auto ref = test::read_json(test::tiny_path(ref_name + "_ref.json"));
  auto prompt = ref["prompt"].get<std::vector<int64_t>>();
  auto want = ref["logits"].get<std::vector<std::vector<float>>>();
  for (DType d : {DType::F32, DType::BF16}) {
    auto got = npu_logits(m, d, prompt);
    ASSERT_EQ(got.size(), want.size());
    for (size_t p = 0; p < got.size(); ++p) {
      ASSERT_EQ(got[p].size(), want[p].size());
      float worst = 0, scale = 0;
      for (size_t i = 0; i < got[p].size(); ++i) {
        worst = std::max(worst, std::fabs(got[p][i] - want[p][i]));
        scale = std::max(scale, std::fabs(want[p][i]));
      }
      const float tol = d == DType::F32 ? kFp32Tol : kBf16RelTol * scale;
      EXPECT_LT(worst, tol) << dir << " " << dtype_name(d) << " position " << p;
    }
  }
  // Greedy continuation in FP32 equals torch's.
  auto greedy = ref["greedy"].get<std::vector<int64_t>>();
  EXPECT_EQ(npu_greedy(m, DType::F32, prompt, int64_t(greedy.size())), greedy) << dir;
}

TEST(CompileHf, Llama3GqaRopeScalingMatchesTorch) { check_fixture("llama3", "llama3"); }
TEST(CompileHf, Qwen2QkvBiasTiedMatchesTorch) { check_fixture("qwen2", "qwen2"); }
TEST(CompileHf, TiedShardedLlamaMatchesTorch) { check_fixture("llama_tied_sharded", "llama_tied_sharded"); }

// FP8 (e4m3 weights and matmul activations, no scaling) is a timing mode; its values must
// still be finite and follow the FP32 logits loosely (3 mantissa bits per rounding).
TEST(CompileHf, Fp8RunsAndStaysCloseToFp32) {
  Model m = load_model(test::tiny_path("llama3"));
  auto ref = test::read_json(test::tiny_path("llama3_ref.json"));
  auto prompt = ref["prompt"].get<std::vector<int64_t>>();
  auto want = ref["logits"].get<std::vector<std::vector<float>>>();
  auto got = npu_logits(m, DType::F8E4M3, prompt);
  for (size_t p = 0; p < got.size(); ++p) {
    float worst = 0, scale = 0;
    for (size_t i = 0; i < got[p].size(); ++i) {
      ASSERT_TRUE(std::isfinite(got[p][i])) << "position " << p;
      worst = std::max(worst, std::fabs(got[p][i] - want[p][i]));
      scale = std::max(scale, std::fabs(want[p][i]));
    }
    RecordProperty("fp8_rel_err_pos" + std::to_string(p), std::to_string(worst / scale));
    EXPECT_LT(worst, kFp8RelTol * scale) << "position " << p;
  }
}

TEST(CompileHf, GgufAndSafetensorsGiveTheSameTokens) {
  for (const char* name : {"llama3", "qwen2"}) {
    Model st = load_model(test::tiny_path(name));
    Model gg = load_model(test::tiny_path(std::string(name) + ".gguf"));
    auto ref = test::read_json(test::tiny_path(std::string(name) + "_ref.json"));
    auto prompt = ref["prompt"].get<std::vector<int64_t>>();
    auto a = npu_greedy(st, DType::F32, prompt, 20);
    auto b = npu_greedy(gg, DType::F32, prompt, 20);
    EXPECT_EQ(a, b) << name;
    EXPECT_EQ(a, ref["greedy"].get<std::vector<int64_t>>()) << name;
  }
}

}  // namespace
}  // namespace npulab::llm
