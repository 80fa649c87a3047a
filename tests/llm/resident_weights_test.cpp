// Resident weights (compile/resident_weights.h): step programs that read the weights from
// SBUF homes filled once by the preload program give bit-identical logits to programs that
// stream them from HBM (same math in the same order), race-free; the homes really are what
// the steps read (clobbering SBUF changes the logits until preload_weights() runs again);
// large models are unaffected (no residency, the same programs).
#include <gtest/gtest.h>

#include <cstring>

#include "arch/chip.h"
#include "isa/asm.h"
#include "kernels/builder.h"
#include "llm/builtin_configs.h"
#include "llm/compile/resident_weights.h"
#include "llm/reference/sampler.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

using runtime::ModelRunner;
using runtime::RunnerOptions;

RunnerOptions opts(bool resident, DType d = DType::F32, int64_t bucket = 0, int64_t ctx = 160) {
  RunnerOptions o;
  o.compile.weight_dtype = d;
  o.compile.max_context = ctx;
  o.compile.resident_weights = resident;
  o.decode_key_bucket = bucket;
  o.check_races = true;
  return o;
}

bool bits_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return !a.empty() && a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// A prefill (two chunks when long) then greedy decode steps, resident against streamed.
void expect_resident_equals_streamed(const Model& m, DType d, int64_t bucket, const std::vector<int64_t>& prompt,
                                     const std::string& what) {
  const auto chip = arch::load_chip_by_name("trn2");
  const int64_t ctx = std::min<int64_t>(160, m.config.max_seq_len);
  ModelRunner res(m.config, m.weights.get(), chip, opts(true, d, bucket, ctx));
  ModelRunner str(m.config, m.weights.get(), chip, opts(false, d, bucket, ctx));
  ASSERT_TRUE(res.weights_resident()) << what;
  ASSERT_FALSE(str.weights_resident()) << what;
  auto lr = res.prefill(prompt), ls = str.prefill(prompt);
  for (int step = 0; step < 12; ++step) {
    ASSERT_TRUE(bits_equal(lr, ls)) << what << ": logits differ at step " << step;
    const int64_t next = reference::argmax(ls);
    lr = res.decode({next});
    ls = str.decode({next});
  }
  ASSERT_EQ(res.steps().size(), str.steps().size());
  for (size_t i = 0; i < res.steps().size(); ++i) {
    EXPECT_EQ(res.steps()[i].races, 0u) << what;
    // No weight crosses HBM -> SBUF in a resident step: it moves less than a streamed one.
    EXPECT_LT(res.steps()[i].hbm_bytes, str.steps()[i].hbm_bytes) << what << " step " << i;
    EXPECT_LT(res.steps()[i].sim_ns, str.steps()[i].sim_ns) << what << " step " << i;
  }
}

TEST(ResidentWeights, Stories260KResidentEqualsStreamedBitForBit) {
  Model m = load_model(test::repo_path("models/stories260K.bin"));
  std::vector<int64_t> prompt(140, 1);  // two prefill chunks (128 + 12)
  for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = int64_t(1 + (i * 37) % 500);
  expect_resident_equals_streamed(m, DType::F32, 0, prompt, "stories260K exact");
  expect_resident_equals_streamed(m, DType::F32, 16, {1, 300, 301}, "stories260K bucket 16");
}

TEST(ResidentWeights, TinyHfModelsResidentEqualStreamedBitForBit) {
  // GQA + Llama 3.1 rope scaling; Qwen2 QKV bias (streamed bias beside resident weights); tied.
  for (const char* dir : {"llama3", "qwen2", "llama_tied_sharded"}) {
    Model m = load_model(test::tiny_path(dir));
    for (DType d : {DType::F32, DType::BF16})
      expect_resident_equals_streamed(m, d, 0, {1, 2, 3, 4}, std::string(dir) + " " + std::string(dtype_name(d)));
  }
}

TEST(ResidentWeights, PreloadIsReportedApartFromTheSteps) {
  Model m = load_model(test::repo_path("models/stories260K.bin"));
  const auto chip = arch::load_chip_by_name("trn2");
  for (sim::Mode mode : {sim::Mode::Functional, sim::Mode::TimingOnly}) {
    RunnerOptions o = opts(true);
    o.mode = mode;
    ModelRunner r(m.config, mode == sim::Mode::Functional ? m.weights.get() : nullptr, chip, o);
    EXPECT_GT(r.preload_sim_ns(), 0);
    EXPECT_GT(r.preload_host_s(), 0);
    EXPECT_TRUE(r.steps().empty());  // not a step: TTFT and TPOT do not include it
    EXPECT_GT(r.layout().resident_bytes(), 0u);
    EXPECT_LE(r.layout().resident_bytes(), compile::resident_budget_per_partition());
  }
  ModelRunner s(m.config, m.weights.get(), chip, opts(false));
  EXPECT_EQ(s.preload_sim_ns(), 0);
  EXPECT_EQ(s.layout().resident_bytes(), 0u);
}

// The steps read the homes: overwrite them and the logits change; preload again and they
// are back bit for bit.
TEST(ResidentWeights, StepsReadTheHomesAndPreloadRestoresThem) {
  Model m = load_model(test::repo_path("models/stories260K.bin"));
  const auto chip = arch::load_chip_by_name("trn2");
  ModelRunner r(m.config, m.weights.get(), chip, opts(true));
  const std::vector<int64_t> prompt = {1, 403, 407, 261};
  const auto want = r.prefill(prompt);
  kernels::Builder b(chip, "clobber_sbuf");
  const uint64_t bytes = r.layout().resident_bytes();
  b.memset(b.sbuf("junk", DType::F32, chip.sbuf.partitions, {uint32_t(bytes / 4)}), 0.5f);
  r.chip().run(b.finish());
  r.reset();
  EXPECT_FALSE(bits_equal(r.prefill(prompt), want));
  r.preload_weights();
  r.reset();
  EXPECT_TRUE(bits_equal(r.prefill(prompt), want));
}

// Llama-3.1-8B does not fit: no residency, and asking for it changes no program.
TEST(ResidentWeights, LargeModelsAreUnaffected) {
  const auto chip = arch::load_chip_by_name("trn2");
  compile::CompileOptions o;
  o.weight_dtype = DType::BF16;
  o.max_context = 256;
  auto cfg = *builtin_config("llama-3.1-8b");
  EXPECT_FALSE(compile::ModelLayout(cfg, chip, o).resident_weights());
  cfg.n_layers = 2;  // the same decision for two layers, and quicker to compile
  compile::ModelLayout on(cfg, chip, o);
  o.resident_weights = false;
  compile::ModelLayout off(cfg, chip, o);
  EXPECT_FALSE(on.resident_weights());
  for (auto kind : {compile::StepSpec::Kind::Decode, compile::StepSpec::Kind::Prefill}) {
    compile::StepSpec s;
    s.kind = kind;
    s.tokens = kind == compile::StepSpec::Kind::Decode ? std::vector<int64_t>{7} : std::vector<int64_t>{1, 2, 3};
    s.pos0 = 40;
    EXPECT_EQ(isa::print_executable(compile::compile_step(on, s).exe),
              isa::print_executable(compile::compile_step(off, s).exe));
  }
}

}  // namespace
}  // namespace npulab::llm
