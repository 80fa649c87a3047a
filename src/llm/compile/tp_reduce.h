// The row-parallel outputs of a tensor-parallel rank (tp_plan.h): wo and w2 (and a Mixtral
// expert's w2) produce this rank's partial sum of the residual update; one all-reduce per
// block sums the partials of every rank before each rank adds the sum to its copy of the
// residual. On one core the projections add straight into the residual (as always).
//
// Per block on a rank: the partial goes to y [T, dim] FP32 in SBUF (copied from PSUM, or
// added for the further experts of a MoE block), is stored to this rank's HBM buffer
// (cast to the reduction dtype), all-reduced (sum over the ranks in ascending rank order,
// FP32 accumulation, one rounding: the collective engine, docs/SIMULATOR.md) into a second
// HBM buffer, loaded back into y and added to x. Collectives read and write HBM, as on
// Trainium (the collective engine's DMA rings move the data HBM to HBM).
//
// All-reduce rather than reduce-scatter + all-gather with sequence-parallel norms: see
// docs/LLM.md, "Tensor parallelism" (a step has at most 128 tokens, so the norm work the
// sequence-parallel form would split is smaller than the second collective's fixed cost).
#pragma once
#include <cstdint>
#include <optional>
#include <utility>

#include "llm/compile/llm_kernels.h"

namespace npulab::llm::compile {

struct TpReduce {
  uint32_t ranks = 1;
  Tile y;                      // [T, dim] FP32
  HbmTensor partial, sum;      // [T, dim] this rank's buffers, reduction dtype
  // Row-split attention: the wo partial sum, whose rows outside this rank's [r0, r1) are
  // zeroed once at the start of the program and never written again.
  HbmTensor partial_rows;
  uint32_t r0 = 0, r1 = 0;
};

// A tensor-parallel rank's reduction state for a step of T tokens: y and the HBM buffers
// (declared on b, private to the rank). dtype: the reduction's (the KV dtype: FP32 in fp32
// runs, BF16 otherwise, as serving stacks reduce activations in the model's dtype).
// Row-split attention: `rows` = [r0, r1) are this rank's (partial_rows declared and zeroed
// outside them); none otherwise.
TpReduce make_tp_reduce(Builder& b, uint32_t ranks, uint32_t T, uint32_t dim, DType dtype,
                        std::optional<std::pair<uint32_t, uint32_t>> rows = std::nullopt);

// x[:, c0:c0+n] += acc on one core; on a rank y[:, c0:c0+n] = acc (first contribution of
// the block) or += acc (a MoE block's further experts).
void residual_add(KernelCtx& k, const Tile& x, uint64_t c0, uint32_t n, const Tile& acc, bool first = true);

// After a block's row-parallel projection(s): on a rank, x += all_reduce(y); nothing on one core.
void residual_reduce(KernelCtx& k, const Tile& x);

// Row-split attention (tp_plan.h): a rank's wo product covers its rows [r0, r1) only.
// residual_add_rows puts acc [r1 - r0, n] into y's first partitions; residual_reduce_rows
// stores them as rows [r0, r1) of partial_rows and adds the all-reduced sum to x.
void residual_add_rows(KernelCtx& k, uint64_t c0, uint32_t n, const Tile& acc);
void residual_reduce_rows(KernelCtx& k, const Tile& x);

}  // namespace npulab::llm::compile
