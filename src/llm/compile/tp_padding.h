// Head padding for a tensor-parallel degree that does not divide the model (docs/SYSTEMS.md,
// "Serving across chips"; the rule of transformers-neuronx, docs/REFERENCES.md [TNX-PAD]):
// the query heads are padded with zero heads up to a multiple of the TP degree, the kv heads
// replicated (grouped-query attention) or padded with the query heads (multi-head attention)
// so that every rank holds whole kv heads, and the FFN width padded up to a multiple of the
// TP degree with zero columns. The padded model is what each rank computes and streams from
// HBM (zero weights cost real compute and bytes), so it is a deployment's timing shape only:
// a run with a checkpoint's weights refuses such a TP (cli/tp_args.cpp says so).
//
//  - query heads: round_up(n_heads, tp) (32 -> 48, 40 -> 48, 64 -> 72 at TP24);
//  - kv heads, multi-head attention (n_kv_heads == n_heads): padded with the query heads;
//  - kv heads, grouped-query attention whose kv heads do not divide over the ranks: each kv
//    head replicated ratio times, ratio = tp / n_kv_heads when that is whole and the extra
//    query heads divide over the kv heads (or none are needed), else 1 when every rank's
//    padded query heads are exactly one kv group, else n_heads / n_kv_heads (full
//    replication); at least tp kv heads; full replication pads with the query heads
//    (8 kv heads at TP24: 3 replicas each = 24, one per rank);
//  - kv heads that divide over the ranks: unchanged;
//  - FFN width (per expert): round_up(hidden_dim, tp) (14336 -> 14352 at TP24).
#pragma once
#include <cstdint>
#include <string>

#include "llm/model_config.h"

namespace npulab::llm::compile {

struct TpPadding {
  ModelConfig model;  // the padded model (the input when nothing needs padding)
  int64_t tp = 1;
  int64_t heads = 0, kv_heads = 0, hidden_dim = 0;  // the model's own, before padding
  // Copies of each of the model's kv heads among model.n_kv_heads (the rest are zero heads).
  int64_t kv_copies = 1;
  bool padded() const {
    return model.n_heads != heads || model.n_kv_heads != kv_heads || model.hidden_dim != hidden_dim;
  }
  // "heads padded 32 -> 48, kv heads 8 -> 24 (each replicated 3x), FFN 14336 -> 14352 for
  // TP24, as transformers-neuronx does" ("(each replicated 8x, 16 zero heads)" when copies
  // and zero heads mix); "" when nothing is padded.
  std::string describe() const;
};

// The model padded for `tp` ranks (above). Nothing changes when the query heads and the FFN
// width divide over the ranks (the TP plan's own kv-head replication then applies). Throws
// npulab::Error for tp < 1.
TpPadding pad_for_tp(const ModelConfig& c, int64_t tp);

}  // namespace npulab::llm::compile
