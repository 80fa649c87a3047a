// Step programs with the layers as one register loop (kernels::Builder::loop) against the
// same programs unrolled over layers: bit-identical logits, the same simulated time, zero
// races, and a program size that does not grow with the number of layers.
#include <gtest/gtest.h>

#include <cstring>

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

void expect_bits_equal(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  ASSERT_FALSE(a.empty()) << what;
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float))) << what;
}

// A looped program and the same program unrolled: race-free, the same simulated time and
// HBM traffic (timing-only), the looped one executing its loop control instructions too.
void expect_same_timing(const arch::ChipConfig& chip, const isa::Executable& looped, const isa::Executable& unrolled) {
  sim::Chip sc(chip, sim::Mode::TimingOnly);
  sim::SimOptions so;
  so.mode = sim::Mode::TimingOnly;
  so.check_races = true;
  const auto rl = sc.run(looped, so), ru = sc.run(unrolled, so);
  EXPECT_TRUE(rl.races.empty());
  EXPECT_TRUE(ru.races.empty());
  EXPECT_EQ(rl.total_ns, ru.total_ns);
  EXPECT_EQ(rl.hbm_bytes_read, ru.hbm_bytes_read);
  EXPECT_GT(rl.instrs, ru.instrs);
}

TEST(CompileLoop, Stories260KLoopedEqualsUnrolled) {
  Model m = load_model(test::repo_path("models/stories260K.bin"));
  ASSERT_GE(m.config.n_layers, 3);
  for (int64_t bucket : {0, 32}) {
    RunnerOptions o;
    o.compile.max_context = 160;
    o.compile.resident_weights = false;  // resident weights unroll the layers (resident_weights.h)
    o.check_races = true;
    o.decode_key_bucket = bucket;
    ModelRunner looped(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
    o.compile.unroll_layers = true;
    ModelRunner unrolled(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
    std::vector<int64_t> prompt(150, 1);  // two prefill chunks (128 + 22)
    for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = int64_t(1 + (i * 37) % 500);
    expect_bits_equal(looped.prefill(prompt), unrolled.prefill(prompt), "prefill logits");
    for (int64_t t : {5, 77, 300})  // with buckets: one built and two patched programs
      expect_bits_equal(looped.decode({t}), unrolled.decode({t}), "decode logits");
    ASSERT_EQ(looped.steps().size(), unrolled.steps().size());
    for (size_t i = 0; i < looped.steps().size(); ++i) {
      const auto &a = looped.steps()[i], &u = unrolled.steps()[i];
      EXPECT_EQ(a.races, 0u);
      EXPECT_EQ(u.races, 0u);
      EXPECT_EQ(a.sim_ns, u.sim_ns) << "step " << i << " bucket " << bucket;
      EXPECT_EQ(a.hbm_bytes, u.hbm_bytes) << "step " << i;
      EXPECT_GT(a.instrs, u.instrs) << "loop control instructions are executed too";
    }
  }
}

// Timing-only structure on a narrow Llama-3-shaped model (GQA, rope scaling) with few layers.
TEST(CompileLoop, ProgramSizeDoesNotGrowWithLayersAndTimesMatchUnrolled) {
  const auto chip = arch::load_chip_by_name("trn2");
  auto program = [&](int64_t layers, bool unroll) {
    auto cfg = *builtin_config("llama-3.1-8b");
    cfg.n_layers = layers;
    cfg.dim = 1024;
    cfg.n_heads = 8;
    cfg.n_kv_heads = 2;
    cfg.hidden_dim = 2816;
    cfg.vocab_size = 4096;
    cfg.bos_id = 1;
    cfg.eos_ids = {2};
    CompileOptions o;
    o.weight_dtype = DType::BF16;
    o.max_context = 160;
    o.batch = 2;
    o.unroll_layers = unroll;
    ModelLayout L(cfg, chip, o);
    StepSpec s;
    s.kind = StepSpec::Kind::Decode;
    s.tokens = {3, 4};
    s.pos0 = 150;
    return compile::compile_step(L, s);
  };
  auto p3 = program(3, false), p4 = program(4, false), p9 = program(9, false), u4 = program(4, true);
  EXPECT_TRUE(p4.layer_loop);
  EXPECT_FALSE(u4.layer_loop);
  EXPECT_EQ(p3.exe.num_instrs(), p9.exe.num_instrs());
  EXPECT_LT(p4.exe.num_instrs(), u4.exe.num_instrs());
  expect_same_timing(chip, p4.exe, u4.exe);
}

// MoE: steps that run every expert (prefill, large batches) loop over the layers; steps that
// fetch only the routed experts through reg_load registers stay unrolled.
TEST(CompileLoop, MoeEveryExpertStepsLoopAndMatchUnrolled) {
  const auto chip = arch::load_chip_by_name("trn2");
  auto layout_opts = [](bool unroll) {
    CompileOptions o;
    o.weight_dtype = DType::BF16;
    o.max_context = 160;
    o.unroll_layers = unroll;
    return o;
  };
  auto config = [](int64_t layers) {
    auto cfg = *builtin_config("mixtral-8x7b");
    cfg.n_layers = layers;
    cfg.dim = 512;
    cfg.n_heads = 8;
    cfg.n_kv_heads = 2;
    cfg.hidden_dim = 768;
    cfg.vocab_size = 2048;
    return cfg;
  };
  auto prefill = [&](int64_t layers, bool unroll) {
    ModelLayout L(config(layers), chip, layout_opts(unroll));
    StepSpec s;
    s.tokens = std::vector<int64_t>(16, 5);  // 16 tokens x top-2 >= 8 experts: every expert
    return compile::compile_step(L, s);
  };
  auto p3 = prefill(3, false), p9 = prefill(9, false), p4 = prefill(4, false), u4 = prefill(4, true);
  EXPECT_TRUE(p4.layer_loop);
  EXPECT_EQ(p3.exe.num_instrs(), p9.exe.num_instrs());
  expect_same_timing(chip, p4.exe, u4.exe);
  ModelLayout L(config(4), chip, layout_opts(false));
  StepSpec d;
  d.kind = StepSpec::Kind::Decode;
  d.tokens = {7};
  d.pos0 = 20;
  EXPECT_FALSE(compile::compile_step(L, d).layer_loop);  // routed experts via reg_load
}

TEST(CompileLoop, LayersAreUniformlyStridedAndAliasedLayersShareLayerZero) {
  const auto chip = arch::load_chip_by_name("trn2");
  CompileOptions o;
  o.weight_dtype = DType::BF16;
  o.max_context = 1024;
  ModelLayout L8(*builtin_config("llama-3.1-8b"), chip, o);
  auto r = L8.layer_ranges();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(uint64_t(r[0].stride), L8.slot(L8.weight_slots_of_layer(1).wqkv).offset -
                                       L8.slot(L8.weight_slots_of_layer(0).wqkv).offset);
  EXPECT_EQ(uint64_t(r[1].stride), L8.slot(L8.kcache(1)).offset - L8.slot(L8.kcache(0)).offset);
  o.ignore_capacity = true;
  ModelLayout L405(*builtin_config("llama-3.1-405b"), chip, o);
  EXPECT_TRUE(L405.aliased());
  r = L405.layer_ranges();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].stride, 0);  // every layer reads layer 0's weights (timing-only)
  EXPECT_GT(r[1].stride, 0);  // the KV cache of all 126 layers fits
}

// The compact SBUF plan of wide models: a Llama-3.1-405B decode step and a 16-token prefill
// chunk build on one trn2 core (compile only: simulating 126 layers takes seconds).
TEST(CompileLoop, Llama405BStepsFitOneCore) {
  CompileOptions o;
  o.weight_dtype = DType::BF16;
  o.max_context = 64;
  o.ignore_capacity = true;
  ModelLayout L(*builtin_config("llama-3.1-405b"), arch::load_chip_by_name("trn2"), o);
  StepSpec d;
  d.kind = StepSpec::Kind::Decode;
  d.tokens = {7};
  d.pos0 = 40;
  const auto pd = compile::compile_step(L, d);
  EXPECT_TRUE(pd.layer_loop);
  EXPECT_LT(pd.exe.num_instrs(), 1000000u);
  StepSpec p;
  p.tokens = std::vector<int64_t>(16, 5);
  EXPECT_TRUE(compile::compile_step(L, p).layer_loop);
}

}  // namespace
}  // namespace npulab::llm
