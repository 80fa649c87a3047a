// The attention block of one transformer layer, emitted into a step program:
//   xT = RMSNorm(x); per 2048 columns of qkv = xT^T Wqkv (+ bias): RoPE on its q/k heads,
//   q/k heads transposed into qT/kT, its V rows appended to the cache; K^T appended;
//   attention -> attnT (decode: every (sequence, kv head) block stacked, decode_attention.h;
//   prefill: flash attention per head, flash_attention.cpp);  x += attnT^T Wo.
// Row-split attention (a logical core's heads shared by its physical cores, tp_plan.h):
// the projection computes this core's columns, an all-gather among the logical core's
// cores assembles every column group, and attention and wo run on this core's rows only.
// qkv never exists whole: two alternating [T, <=2048] FP32 buffers hold one projection
// column group at a time (a wide model's full FP32 qkv row would not fit SBUF next to x).
#pragma once
#include <cstdint>
#include <vector>

#include "llm/compile/ffn_block.h"

namespace npulab::llm::compile {

// What a step computes (from StepSpec): decode = one token per KV slot at position pos0;
// prefill = T consecutive tokens of KV slot `slot` from pos0.
struct StepShape {
  bool decode = false;
  uint32_t T = 0;
  int64_t pos0 = 0, slot = 0;
  int64_t key_bucket = 0, bucket_end = 0;  // decode over a key bucket (see StepSpec)
};

struct AttnTiles {
  Tile qkv[2];     // [T, <=2048] FP32: projection column groups, alternating
  Tile qT, kT;     // feature-major [hd, heads, T] (kv dtype)
  Tile attnT;      // feature-major attention output [hd, heads, T] (matmul dtype)
  Tile cos, sin;   // RoPE tables of these positions [T, rope_heads * hd/2]
  Tile bias;       // Qwen2 QKV bias [T, qkv] (broadcast rows), else invalid
  uint32_t rope_heads = 0;
  // Row-split attention (tp_plan.h): this core's QKV columns [T, qkv / subs] and the
  // logical core's, gathered [subs * T, qkv / subs] (FP32, HBM); invalid otherwise.
  HbmTensor qkv_part, qkv_all;
};

// x += Attention(RMSNorm(x)) for layer `layer`.
void emit_attention_block(KernelCtx& k, const ModelLayout& L, const std::vector<HbmTensor>& H, int64_t layer,
                          const LayerTiles& t, const AttnTiles& a, const StepShape& s);

}  // namespace npulab::llm::compile
