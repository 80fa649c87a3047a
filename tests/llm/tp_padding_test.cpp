// Head padding for a TP degree that does not divide the model (compile/tp_padding.h): the
// transformers-neuronx rule on the inf2.48xlarge TP24 models, a dividing degree untouched,
// and the padded model splitting over the ranks as the TP plan splits any model.
#include <gtest/gtest.h>

#include "arch/chip.h"
#include "common/error.h"
#include "llm/builtin_configs.h"
#include "llm/compile/tp_padding.h"
#include "llm/compile/tp_plan.h"

namespace npulab::llm {
namespace {

using compile::pad_for_tp;

ModelConfig gqa(int64_t heads, int64_t kv, int64_t hidden) {
  ModelConfig c;
  c.name = "m";
  c.n_heads = heads;
  c.n_kv_heads = kv;
  c.hidden_dim = hidden;
  return c;
}

struct Want {
  int64_t heads, kv, hidden;
};
Want padded(const ModelConfig& c, int64_t tp) {
  const auto p = pad_for_tp(c, tp).model;
  return {p.n_heads, p.n_kv_heads, p.hidden_dim};
}

TEST(TpPadding, GroupedQueryHeadsAtTp24ReplicateEachKvHeadOncePerRank) {
  // Llama-3-8B / Mistral-7B: 32 q / 8 kv -> 48 / 24 (2 query heads and 1 kv head per rank).
  const Want a = padded(gqa(32, 8, 14336), 24);
  EXPECT_EQ(a.heads, 48);
  EXPECT_EQ(a.kv, 24);
  EXPECT_EQ(a.hidden, 14352);  // ceil(14336 / 24) = 598 columns per rank
  // The 70Bs: 64 / 8 -> 72 / 24 (3 query heads, 1 kv head per rank), FFN 28672 -> 28680.
  const Want b = padded(gqa(64, 8, 28672), 24);
  EXPECT_EQ(b.heads, 72);
  EXPECT_EQ(b.kv, 24);
  EXPECT_EQ(b.hidden, 28680);
}

TEST(TpPadding, MultiHeadAttentionPadsKvHeadsWithTheQueryHeads) {
  const Want a = padded(gqa(40, 40, 13824), 24);  // Llama-2-13B, CodeLlama-13B
  EXPECT_EQ(a.heads, 48);
  EXPECT_EQ(a.kv, 48);
  EXPECT_EQ(a.hidden, 13824);  // divides: 576 per rank
  const Want b = padded(gqa(32, 32, 11008), 24);  // Llama-2-7B
  EXPECT_EQ(b.heads, 48);
  EXPECT_EQ(b.kv, 48);
  EXPECT_EQ(b.hidden, 11016);
}

TEST(TpPadding, OtherKvRules) {
  // 36 q / 6 kv at TP8: 8 ranks do not take 6 kv heads whole; full replication (one kv head
  // per query head) then padded with the query heads: 40 / 40.
  const Want a = padded(gqa(36, 6, 1024), 8);
  EXPECT_EQ(a.heads, 40);
  EXPECT_EQ(a.kv, 40);
  // transformers-neuronx's own example: TP32, 72 q heads (96 padded), 24 kv heads: each
  // rank's 3 query heads are one kv group, so one kv head per rank (32, at least the ranks).
  const Want b = padded(gqa(72, 24, 1024), 32);
  EXPECT_EQ(b.heads, 96);
  EXPECT_EQ(b.kv, 32);
  EXPECT_EQ(pad_for_tp(gqa(72, 24, 1024), 32).kv_copies, 1);  // 8 zero kv heads
  // kv heads that divide over the ranks stay.
  EXPECT_EQ(padded(gqa(20, 8, 1024), 8).kv, 8);
  // Only the FFN width needs it: the heads stay.
  const Want c = padded(gqa(32, 8, 1000), 16);
  EXPECT_EQ(c.heads, 32);
  EXPECT_EQ(c.kv, 8);
  EXPECT_EQ(c.hidden, 1008);
}

TEST(TpPadding, DividingDegreesAreUntouched) {
  const auto c = *builtin_config("llama-3.1-8b");
  for (int64_t tp : {1, 2, 4, 8, 16, 32}) {
    const auto p = pad_for_tp(c, tp);
    EXPECT_FALSE(p.padded()) << tp;
    EXPECT_EQ(p.model.n_heads, 32);
    EXPECT_EQ(p.model.n_kv_heads, 8);
    EXPECT_EQ(p.model.hidden_dim, 14336);
    EXPECT_EQ(p.describe(), "");
  }
  EXPECT_THROW(pad_for_tp(c, 0), Error);
}

TEST(TpPadding, DescribesWhatItPadded) {
  const auto c = *builtin_config("llama-3-8b");
  EXPECT_EQ(pad_for_tp(c, 24).describe(),
            "heads padded 32 -> 48, kv heads 8 -> 24 (each replicated 3x), FFN 14336 -> 14352 for TP24, as "
            "transformers-neuronx does");
  EXPECT_EQ(pad_for_tp(*builtin_config("llama-2-13b"), 24).describe(),
            "heads padded 40 -> 48, kv heads 40 -> 48 for TP24, as transformers-neuronx does");
  // 64 / 8 at TP20: fully replicated (8 copies of each kv head, one per query head), then
  // the 16 padded query heads get zero kv heads.
  const auto p = pad_for_tp(*builtin_config("llama-3.1-70b"), 20);
  EXPECT_EQ(p.kv_copies, 8);
  EXPECT_EQ(p.describe(),
            "heads padded 64 -> 80, kv heads 8 -> 80 (each replicated 8x, 16 zero heads), FFN 28672 -> 28680 for TP20, "
            "as transformers-neuronx does");
}

TEST(TpPadding, PaddedModelsSplitOverTheRanks) {
  // Refused unpadded, the padded model's per-rank shard is whole heads and FFN columns.
  const auto chip = arch::load_chip_by_name("trn2");
  for (const char* name : {"llama-3-8b", "llama-3-70b", "llama-2-7b"}) {
    const auto c = *builtin_config(name);
    EXPECT_THROW(compile::tp_ranks(c, chip, 6, 1), Error) << name;
    const auto p = pad_for_tp(c, 6).model;
    EXPECT_EQ(compile::tp_ranks(p, chip, 6, 1), 6) << name;
    const ModelConfig s = compile::tp_shard_config(p, 6);
    EXPECT_EQ(s.n_heads * 6, p.n_heads) << name;
    EXPECT_EQ(s.hidden_dim * 6, p.hidden_dim) << name;
  }
}

}  // namespace
}  // namespace npulab::llm
