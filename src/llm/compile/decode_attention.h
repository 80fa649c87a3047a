// Decode attention for a whole batch: every (sequence, kv head) block of a decode step at
// once, stacked on the partitions (docs/LLM.md, "Decode attention").
//
// A decode block has only M = heads-per-kv-group query rows (4 for Llama-3-8B), so one
// block per instruction leaves the vector and scalar engines 4 lanes of 128 busy: their
// cost is per free element, whatever the lane count. This kernel puts S = 128 / M blocks
// on the partitions of one score tile: block b's rows are b*M .. b*M+M-1, computed by
// accumulating matmuls whose stationary is block b's q^T zero-padded to the stack's R = S*M
// columns (rows of the other blocks get + 0, which is exact). Softmax, masking, the P^T
// transposes and the final normalisation then run once per stack instead of once per block;
// P V runs per block as O^T[hd, b*M..] += V_j^T P^T_j (V tile as the stationary), so every
// block's output lands in one PSUM tile [hd, R]. K and V of consecutive blocks are equally
// strided in the cache, so they stream through rings of buffers holding several blocks per
// DMA (the partition-major V cache gives each partition one contiguous run per block).
// Same products, same accumulation order as flash_attention.cpp: same bits.
#pragma once
#include <cstdint>

#include "llm/compile/llm_kernels.h"

namespace npulab::llm::compile {

struct DecodeAttn {
  uint32_t hd = 0, M = 0;       // head dim; query rows (heads) per kv-head group
  uint32_t kv_heads = 0;        // block i = sequence * kv_heads + kv head, i < blocks
  uint32_t blocks = 0;
  isa::TensorRef kT0;           // K^T of block 0: [hd rows, keys] (row stride = context)
  int64_t k_block_stride = 0;   // elements between consecutive blocks' K^T
  // V of block 0, partition-major (ModelLayout::v_row): key j*128 + p at row p*tiles + j.
  isa::TensorRef v0;            // its row 0
  int64_t v_block_stride = 0;   // elements between consecutive blocks' V
  int64_t v_part_stride = 0;    // elements between the rows of keys p and p+1 of a tile
  Tile qT;                      // [hd, heads, T] (kv dtype): query of block (t, g) = heads g*M.., column t
  Tile out_T;                   // [hd, heads, T]: normalised output, same indexing
  int64_t key_lo = 0, key_hi = 0;  // keys loaded; key_lo a multiple of 128 (whole V tiles)
  int64_t key_first = 0;        // keys below this one are masked (sliding window)
  int64_t mask_above = -1;      // keys above this position are masked (-1: none)
  float scale = 1.0f;
};

void decode_attention(KernelCtx& k, const DecodeAttn& a);

}  // namespace npulab::llm::compile
