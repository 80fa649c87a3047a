// Structure and properties of the compiled step programs: HBM layout and capacity errors,
// timing-only vs functional timing, the race detector, context overflow.
#include <gtest/gtest.h>

#include "arch/chip.h"
#include "llm/builtin_configs.h"
#include "llm/compile/step_compiler.h"
#include "llm/runtime/model_runner.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

using compile::CompileOptions;
using compile::ModelLayout;
using compile::StepSpec;
using runtime::ModelRunner;
using runtime::RunnerOptions;

TEST(CompileLayout, SlotsAreAlignedDisjointAndSizedForTheTensorEngine) {
  auto cfg = *builtin_config("llama-3.1-8b");
  CompileOptions o;
  o.weight_dtype = DType::BF16;
  o.max_context = 2048;
  ModelLayout L(cfg, arch::load_chip_by_name("trn2"), o);
  uint64_t prev_end = 0;
  for (const auto& s : L.slots()) {
    EXPECT_EQ(s.offset % compile::kHbmAlign, 0u) << s.name;
    EXPECT_GE(s.offset, prev_end) << s.name;
    prev_end = s.offset + s.bytes();
  }
  const auto& ls = L.weight_slots_of_layer(0);
  EXPECT_EQ(L.slot(ls.wqkv).shape, (std::vector<uint64_t>{4096, 4096 + 2 * 1024}));  // [in, out]
  EXPECT_EQ(L.slot(ls.w2).shape, (std::vector<uint64_t>{14336, 4096}));
  EXPECT_EQ(L.slot(L.kcache(0)).shape, (std::vector<uint64_t>{1, 8, 128, 2048}));   // K^T per kv head
  EXPECT_EQ(L.slot(L.vcache(0)).shape, (std::vector<uint64_t>{1, 8, 2048, 128}));
  EXPECT_FALSE(L.aliased());
  // ~8.0e9 parameters in bf16.
  EXPECT_NEAR(double(L.weight_bytes()) / 2.0, 8.03e9, 0.05e9);
}

TEST(CompileLayout, ModelTooBigForHbmIsAClearErrorUnlessIgnored) {
  auto cfg = *builtin_config("llama-3.1-70b");
  CompileOptions o;
  o.weight_dtype = DType::BF16;
  o.max_context = 1024;
  EXPECT_ERROR_CONTAINS(ModelLayout(cfg, arch::load_chip_by_name("trn2"), o), "HBM", "GiB", "--ignore-capacity");
  o.ignore_capacity = true;
  ModelLayout L(cfg, arch::load_chip_by_name("trn2"), o);
  EXPECT_TRUE(L.aliased());
  EXPECT_LE(L.end_offset(), arch::load_chip_by_name("trn2").hbm.capacity_bytes);
  EXPECT_LT(L.weight_layer_slots(), cfg.n_layers);
}

TEST(CompileProgram, TimingOnlyAndFunctionalGiveTheSameSimulatedTime) {
  Model m = load_model(test::repo_path("models/stories260K.bin"));
  RunnerOptions o;
  o.compile.max_context = 160;
  ModelRunner f(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
  o.mode = sim::Mode::TimingOnly;
  ModelRunner t(m.config, nullptr, arch::load_chip_by_name("trn2"), o);
  std::vector<int64_t> prompt(150, 1);  // two prefill chunks (128 + 22)
  f.prefill(prompt);
  t.prefill(prompt);
  f.decode({5});
  t.decode({5});
  ASSERT_EQ(f.steps().size(), 3u);
  ASSERT_EQ(t.steps().size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(f.steps()[i].sim_ns, t.steps()[i].sim_ns) << "step " << i;
    EXPECT_EQ(f.steps()[i].instrs, t.steps()[i].instrs) << "step " << i;
  }
}

TEST(CompileProgram, RaceDetectorFindsNoRaces) {
  Model m = load_model(test::repo_path("models/stories260K.bin"));
  RunnerOptions o;
  o.compile.max_context = 140;
  o.check_races = true;
  ModelRunner r(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
  r.prefill(std::vector<int64_t>(130, 7));  // a full chunk and a partial one
  r.decode({9});
  for (const auto& s : r.steps()) EXPECT_EQ(s.races, 0u);
}

TEST(CompileProgram, PromptLongerThanContextIsAClearError) {
  Model m = load_model(test::repo_path("models/stories260K.bin"));
  RunnerOptions o;
  o.compile.max_context = 16;
  ModelRunner r(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
  EXPECT_ERROR_CONTAINS(r.prefill(std::vector<int64_t>(17, 1)), "17 tokens", "context length 16");
  CompileOptions big;
  big.max_context = 100000;
  EXPECT_ERROR_CONTAINS(ModelLayout(m.config, arch::load_chip_by_name("trn2"), big), "exceeds", "512");
}

// Shapes the kernels cannot hold are refused when the layout is made, naming the limit.
TEST(CompileProgram, UnsupportedHeadShapesAreClearErrors) {
  auto cfg = *builtin_config("llama-3.1-8b");
  CompileOptions o;
  o.max_context = 256;
  auto wide_groups = cfg;
  wide_groups.n_heads = 256;  // 256 query heads on one kv head: more than 128 rows of scores
  wide_groups.n_kv_heads = 1;
  wide_groups.head_dim = 16;
  EXPECT_ERROR_CONTAINS(ModelLayout(wide_groups, arch::load_chip_by_name("trn2"), o), "256 query heads per kv head",
                        "128");
  auto big_head = cfg;
  big_head.head_dim = 256;
  big_head.n_heads = 16;
  EXPECT_ERROR_CONTAINS(ModelLayout(big_head, arch::load_chip_by_name("trn2"), o), "head_dim 256", "128");
}

TEST(CompileProgram, DecodeBatchProgramAttendsPerSequence) {
  auto cfg = *builtin_config("llama-3.1-8b");
  cfg.n_layers = 1;  // keep the test fast: one layer is enough for structure
  CompileOptions o;
  o.weight_dtype = DType::BF16;
  o.max_context = 600;
  o.batch = 4;
  ModelLayout L(cfg, arch::load_chip_by_name("trn2"), o);
  StepSpec s;
  s.kind = StepSpec::Kind::Decode;
  s.tokens = {1, 2, 3, 4};
  s.pos0 = 520;
  auto p = compile::compile_step(L, s);
  EXPECT_EQ(p.logits_rows, 4u);
  sim::Chip chip(arch::load_chip_by_name("trn2"), sim::Mode::TimingOnly);
  sim::SimOptions so;
  so.mode = sim::Mode::TimingOnly;
  so.check_races = false;
  auto r = chip.run(p.exe, so);
  EXPECT_GT(r.total_ns, 0);
  // Every weight byte of the layer is read at least once.
  EXPECT_GT(r.hbm_bytes_read, double(2ull * (4096ull * 6144 + 4096ull * 4096 + 3ull * 4096 * 14336)));
}

}  // namespace
}  // namespace npulab::llm
