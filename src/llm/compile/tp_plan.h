// Tensor parallelism over the NeuronCores of one chip (docs/LLM.md, "Tensor parallelism"):
// which part of the model each rank holds and computes (Megatron-style).
//
//  - ranks = tp x lnc physical NeuronCores: --tp logical cores, each of --lnc physical
//    cores; a logical core's work is split again between its physical cores by the same
//    rules, so the programs are per physical core (rank = core index 0..ranks-1; logical
//    core l is the physical cores l*lnc .. l*lnc+lnc-1, which share an HBM bank pair).
//  - attention: rank r computes query heads [r*NH/R, (r+1)*NH/R) (wq columns, wo rows) and
//    their kv heads: KVH/R of them when KVH >= R, else the one kv head its query heads
//    belong to, replicated on R/KVH ranks (each replica holds that head's wk/wv columns and
//    its own copy of the head's KV cache);
//  - feed-forward: hidden columns [r*F/R, (r+1)*F/R) of w1/w3 and the same rows of w2; a
//    Mixtral expert is split the same way (every rank holds 1/R of every expert, the router
//    replicated): each rank reads 1/R of each routed expert, so the ranks' HBM traffic is
//    balanced even when a decode step uses 2 of 8 experts (expert parallelism would leave
//    the ranks without a routed expert idle);
//  - the classifier (vocabulary-parallel): vocabulary columns [r*V/R, (r+1)*V/R) (any V),
//    each rank writing its slice of one logits tensor that every rank shares;
//  - the residual stream, the norms and the embedding rows are replicated: each rank
//    holds x [tokens, dim]; the partial outputs of wo and w2 are summed across the ranks
//    by one all-reduce each, after which every rank adds the same sum.
//  - when the heads divide over the logical cores but not over the physical ones (64 heads
//    at TP64 x LNC2 = 128 cores, as Neuron runs Llama-3-70B on trn2.48xlarge), the heads
//    are split over the logical cores and the `attn_subs` = lnc physical cores of each
//    share its heads by rows instead ("row-split attention"): each computes 1/lnc of the
//    logical core's fused QKV columns, an all-gather among the logical core's cores gives
//    every one of them the whole q, k, v; each appends every row to its own replica of the
//    logical core's KV cache, computes attention for its own rows (prefill: its share of
//    the chunk's positions; decode: its share of the batch's sequences) and their wo
//    product (the logical core's whole wo), and the other rows of its partial sum are zero.
//    The FFN and the classifier stay split over the physical cores.
#pragma once
#include <cstdint>
#include <utility>

#include "arch/chip.h"
#include "llm/model_config.h"

namespace npulab::llm::compile {

// One rank's share of the model, in the model's own (unsplit) indices.
struct TpShard {
  int64_t rank = 0, ranks = 1;       // physical NeuronCores
  int64_t q_head0 = 0;               // first query head (n_heads of the shard config)
  int64_t kv_head0 = 0;              // first kv head (n_kv_heads of the shard config)
  int64_t hidden0 = 0;               // first FFN hidden column (hidden_dim of the shard config)
  int64_t vocab0 = 0, vocab_n = 0;   // classifier / logits columns [vocab0, vocab0 + vocab_n)
  // Row-split attention (above): this rank is sub-core attn_sub of the attn_subs cores that
  // share one logical core's heads (1 = heads split over the physical cores).
  int64_t attn_sub = 0, attn_subs = 1;
  bool split() const { return ranks > 1; }
  bool row_split() const { return attn_subs > 1; }
  // The rows [first, second) of a T-row step whose attention this rank computes.
  std::pair<uint32_t, uint32_t> attn_rows(uint32_t T) const {
    return {uint32_t(int64_t(T) * attn_sub / attn_subs), uint32_t(int64_t(T) * (attn_sub + 1) / attn_subs)};
  }
  // The cores of this rank's logical core, as a collective group bit mask.
  uint64_t attn_group() const {
    const int64_t first = rank / attn_subs * attn_subs;
    return ((attn_subs >= 64 ? ~uint64_t(0) : (uint64_t(1) << attn_subs) - 1)) << first;
  }
};

// How `ranks` physical cores share the model: `subs` > 1 when attention is row-split
// over each logical core's `subs` physical cores (above).
struct TpSplit {
  int64_t ranks = 1, subs = 1;
};

// Physical ranks of `tp` logical cores of `lnc` physical cores each, checked against the
// chip and the model: throws npulab::Error naming what to change (--tp, --lnc) when the
// chip has too few cores or does not support the LNC, or when a head count or the FFN
// width does not divide over the ranks.
// Heads that divide over the logical cores only are row-split (tp_split says so).
int64_t tp_ranks(const ModelConfig& c, const arch::ChipConfig& chip, int64_t tp, int64_t lnc);
TpSplit tp_split(const ModelConfig& c, const arch::ChipConfig& chip, int64_t tp, int64_t lnc);

// Rank `rank` of `split.ranks` (split from tp_split).
TpShard tp_shard(const ModelConfig& c, const TpSplit& split, int64_t rank);

// The model as one rank computes it: n_heads and n_kv_heads are its attention unit's share
// (`subs` cores share a unit's heads when row-split), hidden_dim the rank's; dim,
// vocabulary, layers and everything else are the model's.
ModelConfig tp_shard_config(const ModelConfig& c, int64_t ranks, int64_t subs = 1);

}  // namespace npulab::llm::compile
