// Sliding-window attention (Mistral-style `sliding_window`) through the compiled programs,
// against the plain C++ reference forward pass (llm/reference, written independently of the
// NPU path): the tiny Llama-3 fixture with a window of 5 positions, so the window cuts keys
// in the prefill chunk (flash_attention's window mask) and in every decode step
// (decode_attention's first key). Batch 2 decodes two sequences with different prompts.
#include <gtest/gtest.h>

#include <cmath>

#include "arch/chip.h"
#include "llm/runtime/model_runner.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

constexpr float kFp32Tol = 2e-4f;  // as compile_hf_test.cpp: summation order and libm only

float max_abs_diff(const std::vector<float>& a, std::span<const float> b) {
  float worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

TEST(SlidingWindow, PrefillAndDecodeMatchTheReference) {
  Model m = load_model(test::tiny_path("llama3"));
  ModelConfig cfg = m.config;
  cfg.sliding_window = 5;
  const std::vector<std::vector<int64_t>> prompts = {{1, 7, 42, 9, 3, 88, 15, 61, 2}, {1, 5, 77, 23, 4, 19, 30, 8, 50}};
  runtime::RunnerOptions o;
  o.compile.max_context = 32;
  o.compile.batch = 2;
  o.check_races = true;
  runtime::ModelRunner r(cfg, m.weights.get(), arch::load_chip_by_name("trn2"), o);
  std::vector<reference::ReferenceModel> refs;
  for (size_t b = 0; b < prompts.size(); ++b) refs.emplace_back(cfg, *m.weights, 32);
  reference::ReferenceModel no_window(m.config, *m.weights, 32);

  std::vector<int64_t> next(prompts.size());
  for (size_t b = 0; b < prompts.size(); ++b) {
    const auto got = r.prefill(prompts[b], int64_t(b));
    std::span<const float> want;
    for (size_t p = 0; p < prompts[b].size(); ++p) want = refs[b].forward(prompts[b][p], int64_t(p));
    EXPECT_LT(max_abs_diff(got, want), kFp32Tol) << "prefill of sequence " << b;
    next[b] = reference::argmax(want);
  }
  // The window matters here: without it the last prompt position's logits differ.
  std::span<const float> full;
  for (size_t p = 0; p < prompts[0].size(); ++p) full = no_window.forward(prompts[0][p], int64_t(p));
  {
    runtime::RunnerOptions o1 = o;
    o1.compile.batch = 1;
    runtime::ModelRunner windowed(cfg, m.weights.get(), arch::load_chip_by_name("trn2"), o1);
    EXPECT_GT(max_abs_diff(windowed.prefill(prompts[0]), full), 100 * kFp32Tol);
  }

  const int64_t p0 = int64_t(prompts[0].size());
  for (int64_t step = 0; step < 6; ++step) {
    const auto got = r.decode(next);
    const size_t V = size_t(cfg.vocab_size);
    for (size_t b = 0; b < prompts.size(); ++b) {
      const auto want = refs[b].forward(next[b], p0 + step);
      const std::vector<float> row(got.begin() + ptrdiff_t(b * V), got.begin() + ptrdiff_t((b + 1) * V));
      EXPECT_LT(max_abs_diff(row, want), kFp32Tol) << "decode step " << step << " sequence " << b;
      next[b] = reference::argmax(want);
    }
  }
  for (const auto& s : r.steps()) EXPECT_EQ(s.races, 0u);
}

}  // namespace
}  // namespace npulab::llm
