// models/austen, the Jane Austen model trained by models/austen/train.py, against torch and
// sentencepiece (tests/llm/fixtures/gen_austen_ref.py): the tokenizer encodes and decodes like
// sentencepiece, the reference forward pass and the compiled FP32 programs give torch's
// logits, and the compiled programs on the simulated chip continue each prompt greedily with
// torch's tokens, which decode to torch's text.
#include <gtest/gtest.h>

#include <cmath>

#include "arch/chip.h"
#include "llm/reference/sampler.h"
#include "llm/runtime/model_runner.h"
#include "llm/tokenizer/tokenizer.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

const std::string kModel = "models/austen";

// FP32 on both sides, different summation orders and libm: the reference's and the compiled
// programs' logits are within 8e-6 of torch's (measured); the bound is about 12x that.
constexpr float kLogitTol = 1e-4f;

nlohmann::json fixture() { return test::read_json(test::repo_path("tests/llm/fixtures/austen_ref.json")); }

std::vector<int32_t> ids32(const std::vector<int64_t>& v) { return {v.begin(), v.end()}; }

TEST(AustenModel, TokenizerMatchesSentencepiece) {
  auto tok = load_tokenizer(test::repo_path(kModel + "/tokenizer.model"));
  const auto ref = fixture();
  for (const auto& t : ref["tokenizer"]) {
    const auto text = t["text"].get<std::string>();
    const auto want = t["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(tok->encode(text, false), want) << text;
    EXPECT_EQ(tok->decode(want), t["decoded"].get<std::string>()) << text;
    // Identity normalizer, no dummy prefix, byte fallback: decoding gives the text back.
    EXPECT_EQ(tok->decode(want), text);
  }
  for (const auto& p : ref["prompts"]) {  // with BOS, as `npulab generate --prompt` encodes
    const auto text = p["text"].get<std::string>();
    EXPECT_EQ(tok->encode(text, true), p["ids"].get<std::vector<int32_t>>()) << text;
  }
}

TEST(AustenModel, ReferenceForwardMatchesTorch) {
  Model m = load_model(test::repo_path(kModel));
  const auto ref = fixture();
  const auto& first = ref["prompts"][0];
  const auto prompt = first["ids"].get<std::vector<int64_t>>();
  const auto from = first["logits_from"].get<size_t>();
  const auto want = first["logits"].get<std::vector<std::vector<float>>>();
  reference::ReferenceModel rm(m.config, *m.weights);
  for (size_t pos = 0; pos < prompt.size(); ++pos) {
    auto logits = rm.forward(prompt[pos], int64_t(pos));
    if (pos < from) continue;
    const auto& w = want[pos - from];
    ASSERT_EQ(w.size(), logits.size());
    float worst = 0;
    for (size_t i = 0; i < w.size(); ++i) worst = std::max(worst, std::fabs(w[i] - logits[i]));
    EXPECT_LT(worst, kLogitTol) << "position " << pos;
  }
  for (const auto& p : ref["prompts"]) {
    const auto greedy = p["greedy"].get<std::vector<int64_t>>();
    EXPECT_EQ(test::greedy(rm, p["ids"].get<std::vector<int64_t>>(), int64_t(greedy.size())), greedy);
  }
}

TEST(AustenModel, CompiledFp32GreedyTextMatchesTorch) {
  Model m = load_model(test::repo_path(kModel));
  auto tok = load_tokenizer(test::repo_path(kModel + "/tokenizer.model"));
  const auto ref = fixture();
  for (const auto& p : ref["prompts"]) {
    const auto prompt = p["ids"].get<std::vector<int64_t>>();
    const auto want = p["greedy"].get<std::vector<int64_t>>();
    // The fixture's greedy steps are decided by margins far above FP32 noise.
    ASSERT_GT(p["min_greedy_margin"].get<double>(), 1e-3);
    runtime::RunnerOptions o;
    o.compile.weight_dtype = DType::F32;
    o.compile.max_context = int64_t(prompt.size() + want.size());
    runtime::ModelRunner r(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
    if (p.contains("logits")) {  // the prefill's logits of the last prompt position
      const auto torch_last = p["logits"].back().get<std::vector<float>>();
      const auto npu_last = r.prefill(prompt);
      ASSERT_EQ(npu_last.size(), torch_last.size());
      float worst = 0;
      for (size_t i = 0; i < npu_last.size(); ++i) worst = std::max(worst, std::fabs(npu_last[i] - torch_last[i]));
      EXPECT_LT(worst, kLogitTol);
      r.reset();
    }
    const auto got = test::greedy(r, prompt, int64_t(want.size()));
    EXPECT_EQ(got, want) << p["text"];
    // What `npulab generate` prints: the streamed pieces, which must join to torch's text.
    std::string streamed;
    int32_t prev = int32_t(prompt.back());
    for (int64_t t : got) {
      streamed += tok->decode_piece(prev, int32_t(t));
      prev = int32_t(t);
    }
    EXPECT_EQ(streamed, p["greedy_text"].get<std::string>());
    EXPECT_EQ(tok->decode(ids32(got)), p["greedy_text"].get<std::string>());
  }
}

}  // namespace
}  // namespace npulab::llm
