// The runner shrinks its prefill chunk when a chunk's activations do not fit in SBUF: it asks
// for that failure by type (kernels::OnChipMemoryFull, space SBUF), not by message text, and
// lets every other error through unchanged.
#include <gtest/gtest.h>

#include "arch/chip.h"
#include "common/error.h"
#include "kernels/tile.h"
#include "llm/builtin_configs.h"
#include "llm/runtime/model_runner.h"

namespace npulab::llm {
namespace {

// One layer of Llama-3.1-405B (dim 16384, FFN 53248) and a small vocabulary: 128 tokens'
// feature-major activations overflow the 224 KiB SBUF partitions, fewer tokens fit.
ModelConfig wide_one_layer() {
  ModelConfig c = *builtin_config("llama-3.1-405b");
  c.n_layers = 1;
  c.vocab_size = 256;
  c.bos_id = 1;
  c.eos_ids = {2};
  return c;
}

runtime::RunnerOptions timing_only() {
  runtime::RunnerOptions o;
  o.mode = sim::Mode::TimingOnly;
  o.compile.weight_dtype = DType::BF16;
  o.compile.max_context = 128;
  return o;
}

TEST(PrefillChunk, HalvedWhileTheChunkOverflowsSbuf) {
  const arch::ChipConfig chip = arch::load_chip_by_name("trn2");
  const ModelConfig cfg = wide_one_layer();
  // The failure the runner reacts to, as the step compiler raises it.
  compile::ModelLayout layout(cfg, chip, timing_only().compile);
  compile::StepSpec s;
  s.tokens.assign(128, 1);
  try {
    compile::compile_step(layout, s);
    FAIL() << "128 tokens of a dim-16384 model fit in SBUF: pick a wider test model";
  } catch (const kernels::OnChipMemoryFull& e) {
    EXPECT_EQ(e.space(), isa::Space::Sbuf);
    EXPECT_GT(e.requested_bytes() + e.in_use_bytes(), e.capacity_bytes());
  }
  runtime::ModelRunner r(cfg, nullptr, chip, timing_only());
  EXPECT_EQ(r.prefill_chunk(), 128);
  r.prefill(std::vector<int64_t>(128, 1));
  EXPECT_LT(r.prefill_chunk(), 128);
  EXPECT_EQ(r.position(), 128);
  ASSERT_EQ(r.steps().size(), size_t(128 / r.prefill_chunk()));  // every chunk that ran, none of the failed builds
  for (const auto& st : r.steps()) EXPECT_EQ(int64_t(st.tokens), r.prefill_chunk());
}

TEST(PrefillChunk, OtherErrorsAreNotRetried) {
  const arch::ChipConfig chip = arch::load_chip_by_name("trn2");
  runtime::ModelRunner r(wide_one_layer(), nullptr, chip, timing_only());
  try {
    r.prefill({1, 2, 100000});  // a token outside the vocabulary
    FAIL() << "expected an error";
  } catch (const kernels::OnChipMemoryFull&) {
    FAIL() << "a vocabulary error is not a capacity error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("outside the vocabulary"), std::string::npos) << e.what();
  }
  EXPECT_EQ(r.prefill_chunk(), 128);
  EXPECT_TRUE(r.steps().empty());
}

}  // namespace
}  // namespace npulab::llm
