// Tensor-parallel layouts (compile/tp_plan.h, tp_layout.h): which slices each rank holds,
// where they live in HBM, and the errors for degrees the model or the chip cannot take.
#include <gtest/gtest.h>

#include "arch/chip.h"
#include "llm/builtin_configs.h"
#include "llm/compile/step_compiler.h"
#include "llm/compile/tp_layout.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

using compile::CompileOptions;
using compile::TpLayout;

CompileOptions opts(int64_t tp, int64_t lnc, DType d = DType::BF16) {
  CompileOptions o;
  o.weight_dtype = d;
  o.max_context = 128;  // the tiny fixtures' max_seq_len
  o.tp = tp;
  o.lnc = lnc;
  return o;
}

std::vector<uint64_t> shape(const compile::ModelLayout& L, int slot) { return L.slot(slot).shape; }

TEST(TpLayout, Llama8BAtTp8SplitsHeadsFfnVocabAndKvCache) {
  const auto cfg = *builtin_config("llama-3.1-8b");
  const auto chip = arch::load_chip_by_name("trn2");
  const TpLayout one(cfg, chip, opts(1, 1)), tp(cfg, chip, opts(8, 1));
  ASSERT_EQ(tp.ranks(), 8);
  for (int64_t r = 0; r < 8; ++r) {
    const auto& L = tp.rank(r);
    EXPECT_EQ(L.shard().q_head0, 4 * r);
    EXPECT_EQ(L.shard().kv_head0, r);
    const auto& ws = L.weight_slots_of_layer(0);
    EXPECT_EQ(shape(L, ws.wqkv), (std::vector<uint64_t>{4096, 4 * 128 + 2 * 128}));
    EXPECT_EQ(shape(L, ws.wo), (std::vector<uint64_t>{512, 4096}));
    EXPECT_EQ(shape(L, ws.w1), (std::vector<uint64_t>{4096, 1792}));
    EXPECT_EQ(shape(L, ws.w2), (std::vector<uint64_t>{1792, 4096}));
    EXPECT_EQ(shape(L, L.classifier), (std::vector<uint64_t>{4096, 16032}));
    EXPECT_EQ(shape(L, L.kcache(0)), (std::vector<uint64_t>{1, 1, 128, 128}));
    // Shared slots: one embedding table for every rank, at the same offset.
    EXPECT_TRUE(L.slot(L.embed).shared);
    EXPECT_EQ(L.slot(L.embed).offset, tp.rank(0).slot(tp.rank(0).embed).offset);
    // Each rank's own slots lie after the previous rank's.
    if (r > 0) EXPECT_EQ(L.slot(L.weight_slots_of_layer(0).attn_norm).offset, tp.rank(r - 1).end_offset());
    EXPECT_FALSE(L.layer_ranges().empty());
  }
  // Nothing is replicated but the norms: the weights add up to one core's (+ 7 copies of the norms).
  const uint64_t norms = uint64_t(7) * (2 * 32 + 1) * 4096 * 4;
  EXPECT_EQ(tp.weight_bytes(), one.weight_bytes() + norms);
  EXPECT_EQ(tp.kv_bytes(), one.kv_bytes());
}

TEST(TpLayout, FewerKvHeadsThanRanksAreReplicated) {
  // Tiny Llama-3 fixture: 4 query heads, 2 kv heads. At 4 ranks each rank has one query head
  // and the kv head it belongs to: kv head 0 on ranks 0-1, kv head 1 on ranks 2-3.
  Model m = load_model(test::tiny_path("llama3"));
  const TpLayout tp(m.config, arch::load_chip_by_name("trn2"), opts(2, 2, DType::F32));
  ASSERT_EQ(tp.ranks(), 4);
  const int64_t kv_of_rank[] = {0, 0, 1, 1};
  for (int64_t r = 0; r < 4; ++r) {
    EXPECT_EQ(tp.rank(r).config().n_heads, 1);
    EXPECT_EQ(tp.rank(r).config().n_kv_heads, 1);
    EXPECT_EQ(tp.rank(r).shard().kv_head0, kv_of_rank[r]);
    EXPECT_EQ(tp.rank(r).config().hidden_dim, 24);
  }
  const TpLayout one(m.config, arch::load_chip_by_name("trn2"), opts(1, 1, DType::F32));
  EXPECT_EQ(tp.kv_bytes(), 2 * one.kv_bytes());  // every kv head cached twice
}

TEST(TpLayout, DegreesTheModelOrChipCannotTakeAreClearErrors) {
  const auto trn2 = arch::load_chip_by_name("trn2");
  Model m = load_model(test::tiny_path("llama3"));  // 4 heads / 2 kv heads, FFN 96
  // 4 heads over 8 ranks or over 4 logical cores of 2: attention units of 2 ranks sharing
  // their heads by rows (row-split attention, tp_plan.h). Over 6 ranks, units of 3 or 6
  // ranks would split 64 or 128 fused QKV columns: neither divides.
  EXPECT_EQ(TpLayout(m.config, trn2, opts(8, 1)).rank(0).shard().attn_subs, 2);
  EXPECT_EQ(TpLayout(m.config, trn2, opts(4, 2)).rank(0).shard().attn_subs, 2);
  EXPECT_ERROR_CONTAINS(TpLayout(m.config, trn2, opts(3, 2)), "4 attention heads (2 kv heads)",
                        "6 ranks (--tp 3 x --lnc 2");
  ModelConfig c = m.config;
  // One head of dim 2 over 4 ranks: no unit's 6 fused QKV columns divide over its ranks.
  c.n_heads = 1;
  c.n_kv_heads = 1;
  c.head_dim = 2;
  EXPECT_ERROR_CONTAINS(TpLayout(c, trn2, opts(4, 1)), "1 attention heads (1 kv heads)", "--tp 4",
                        "use a --tp (x --lnc) that divides 1");
  c = m.config;
  c.n_heads = 8;
  c.head_dim = 8;
  c.hidden_dim = 100;
  EXPECT_ERROR_CONTAINS(TpLayout(c, trn2, opts(8, 1)), "FFN width (hidden_dim) 100 does not divide over 8 ranks");
  EXPECT_ERROR_CONTAINS(TpLayout(m.config, trn2, opts(9, 1)), "--tp 9", "8 NeuronCores", "use --tp 1 to 8");
  EXPECT_ERROR_CONTAINS(TpLayout(m.config, trn2, opts(8, 2)), "--tp 8", "4 logical cores at --lnc 2",
                        "--lnc 1 for up to 8");
  EXPECT_ERROR_CONTAINS(TpLayout(m.config, trn2, opts(1, 3)), "--lnc 3", "use --lnc 1 to 2");
  EXPECT_ERROR_CONTAINS(TpLayout(m.config, arch::load_chip_by_name("trn1"), opts(1, 2)), "--lnc 2", "trn1",
                        "use --lnc 1");
}

TEST(TpLayout, StepProgramsRunOnEveryRanksCore) {
  Model m = load_model(test::tiny_path("llama3"));
  const TpLayout tp(m.config, arch::load_chip_by_name("trn2"), opts(4, 1, DType::F32));
  compile::StepSpec s;
  s.kind = compile::StepSpec::Kind::Decode;
  s.tokens = {7};
  s.pos0 = 3;
  const compile::StepProgram p = compile::compile_step(tp, s);
  ASSERT_EQ(p.exe.cores.size(), 4u);
  ASSERT_EQ(p.ranks.size(), 4u);
  for (const auto& c : p.exe.cores) EXPECT_GT(c.num_instrs(), 0u);
  // One logits tensor of the whole vocabulary, shared by the ranks.
  int logits = 0;
  for (const auto& d : p.exe.tensors)
    if (d.name == "logits") {
      ++logits;
      EXPECT_EQ(d.shape, (std::vector<uint64_t>{1, 256}));
    }
  EXPECT_EQ(logits, 1);
}

}  // namespace
}  // namespace npulab::llm
