// Serving stacks (arch/stack.h): every shipped file loads, and bad files are refused naming
// the file, the table.key and what was expected (bucket lists ascending and in range, a
// known system kind, not both padding forms).
#include "arch/stack.h"

#include <gtest/gtest.h>

#include <string>

#include "../error_of.h"
#include "source_text.h"

namespace npulab::arch {
namespace {

using testing_util::source_hw;

using test_support::error_of;

const std::string kGood = R"(
[stack]
name = "s"
description = "a test stack"
serves = "chip"
[scheduler]
chunked_prefill = false
fp8_kv_cache = false
max_num_batched_tokens = 4096
[padding]
pad_to_max_batch = false
decode_batch_sizes = [1, 8, 32]
prefill_buckets = [128, 512]
decode_context_buckets = []
[overheads]
step_overhead_us = 250
step_overhead_source = "test"
)";

std::string with(const std::string& from, const std::string& to) {
  std::string s = kGood;
  s.replace(s.find(from), from.size(), to);
  return s;
}

TEST(StackLoad, ShippedStacksLoad) {
  const ChipSearchPath p = source_hw();
  ASSERT_GE(stack_names(p).size(), 2u);
  for (const std::string& n : stack_names(p)) {
    const ServingStack s = load_stack_by_name(n, p);
    EXPECT_EQ(s.name, n);
    EXPECT_FALSE(s.step_overhead_source.empty());
  }
  EXPECT_FALSE(load_stack_by_name("neuron-vllm", p).chunked_prefill);
  EXPECT_TRUE(load_stack_by_name("vllm-gpu", p).chunked_prefill);
}

TEST(StackLoad, ReadsEveryKey) {
  const ServingStack s = load_stack_from_string(kGood, "t.toml");
  EXPECT_EQ(s.serves, "chip");
  EXPECT_EQ(s.max_num_batched_tokens, 4096);
  EXPECT_EQ(s.decode_batch_sizes, (std::vector<int64_t>{1, 8, 32}));
  EXPECT_EQ(s.prefill_buckets, (std::vector<int64_t>{128, 512}));
  EXPECT_TRUE(s.decode_context_buckets.empty());
  EXPECT_DOUBLE_EQ(s.step_overhead_us, 250);
}

TEST(StackLoad, BadFilesNameTheKey) {
  auto err = [](const std::string& text) { return error_of([&] { load_stack_from_string(text, "t.toml"); }); };
  std::string e = err(with("[1, 8, 32]", "[8, 1]"));
  EXPECT_NE(e.find("t.toml: padding.decode_batch_sizes"), std::string::npos) << e;
  EXPECT_NE(e.find("ascending"), std::string::npos) << e;
  e = err(with("[1, 8, 32]", "[1, \"x\"]"));
  EXPECT_NE(e.find("padding.decode_batch_sizes"), std::string::npos) << e;
  e = err(with("[128, 512]", "[0]"));
  EXPECT_NE(e.find("padding.prefill_buckets"), std::string::npos) << e;
  e = err(with("serves = \"chip\"", "serves = \"tpu\""));
  EXPECT_NE(e.find("stack.serves"), std::string::npos) << e;
  e = err(with("pad_to_max_batch = false", "pad_to_max_batch = true"));
  EXPECT_NE(e.find("not both"), std::string::npos) << e;
  e = err(with("step_overhead_us = 250", "step_overhead_ms = 250"));
  EXPECT_NE(e.find("overheads.step_overhead_ms: unknown key"), std::string::npos) << e;
  e = err(with("[overheads]", "[overhead]"));
  EXPECT_FALSE(e.empty());
}

}  // namespace
}  // namespace npulab::arch
