// A prefill program is reused for the next prompt of the same shape (token count, first
// position, slot), patched to its tokens (compile::patch_step_tokens): the logits equal bit
// for bit those of a program built for that prompt, and the patched program is race-free.
#include <gtest/gtest.h>

#include <cstring>

#include "arch/chip.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

using runtime::ModelRunner;
using runtime::RunnerOptions;

bool bits_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return !a.empty() && a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

void check_reuse(const std::string& path, bool resident) {
  Model m = load_model(path);
  RunnerOptions o;
  o.compile.max_context = 32;
  o.compile.resident_weights = resident;
  o.check_races = true;
  const auto chip = arch::load_chip_by_name("trn2");
  ModelRunner reused(m.config, m.weights.get(), chip, o);
  reused.prefill({1, 7, 9, 11});
  reused.decode({3});
  reused.reset();
  const std::vector<int64_t> prompt = {1, 40, 2, 33};  // same length, other tokens
  const auto got = reused.prefill(prompt);
  ModelRunner fresh(m.config, m.weights.get(), chip, o);
  EXPECT_TRUE(bits_equal(got, fresh.prefill(prompt))) << path;
  const auto& last = reused.steps().back();
  EXPECT_TRUE(last.patched);
  EXPECT_EQ(last.races, 0u);
  EXPECT_FALSE(fresh.steps().back().patched);
  // Another shape (more tokens) builds a program of its own.
  reused.reset();
  reused.prefill({1, 2, 3, 4, 5});
  EXPECT_FALSE(reused.steps().back().patched);
}

TEST(PrefillReuse, PatchedPrefillEqualsBuilt) {
  for (bool resident : {true, false}) {
    check_reuse(test::repo_path("models/stories260K.bin"), resident);
    check_reuse(test::tiny_path("qwen2"), resident);  // rotate_half RoPE, QKV bias
  }
}

}  // namespace
}  // namespace npulab::llm
