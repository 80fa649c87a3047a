#include "llm/compile/tp_reduce.h"

#include <algorithm>

#include "llm/compile/ffn_block.h"
#include "llm/compile/tp_collective.h"

namespace npulab::llm::compile {

TpReduce make_tp_reduce(Builder& b, uint32_t ranks, uint32_t T, uint32_t dim, DType dtype,
                        std::optional<std::pair<uint32_t, uint32_t>> rows) {
  TpReduce r;
  r.ranks = ranks;
  r.y = b.sbuf("tp_y", DType::F32, T, {dim});
  r.partial = b.scratch("tp_partial", dtype, {T, dim});
  r.sum = b.scratch("tp_sum", dtype, {T, dim});
  if (rows) {
    const auto [r0, r1] = *rows;
    r.r0 = r0;
    r.r1 = r1;
    r.partial_rows = b.scratch("tp_partial_rows", dtype, {T, dim});
    // The other rows' zeros, stored from one small zeroed tile (DMA writes any rows).
    const uint32_t rest = T - (r1 - r0), C = std::min<uint32_t>(dim, 512);
    if (rest > 0) {
      const Tile z = b.sbuf("tp_zero", DType::F32, rest, {C});
      b.memset(z, 0.0f);
      for (uint32_t c0 = 0; c0 < dim; c0 += C) {
        const uint32_t n = std::min(C, dim - c0);
        if (r0 > 0) b.store(r.partial_rows.view(0, r0, c0, n), z.parts(0, r0).cols(0, n));
        if (r1 < T) b.store(r.partial_rows.view(r1, T - r1, c0, n), z.parts(0, T - r1).cols(0, n));
      }
    }
  }
  return r;
}

void residual_add(KernelCtx& k, const Tile& x, uint64_t c0, uint32_t n, const Tile& acc, bool first) {
  if (!k.tp) {
    add_into_residual(k, x, c0, n, acc);
    return;
  }
  const Tile y = k.tp->y.cols(uint32_t(c0), n);
  if (first) k.b.tensor_copy(y, acc, k.evac_engine());
  else k.b.tensor_tensor(y, y, acc, isa::AluOp::add);
}

namespace {
// x += all_reduce(partial): the ranks' partial sums in HBM summed, loaded into y, added.
void reduce_and_add(KernelCtx& k, const Tile& x, const HbmTensor& partial) {
  Builder& b = k.b;
  const TpReduce& r = *k.tp;
  const uint32_t T = r.y.partitions(), dim = uint32_t(r.y.free_elems());
  tp_all_reduce_sum(b, r.sum, partial, r.ranks);
  b.load(r.y, r.sum.view(0, T, 0, dim));
  b.tensor_tensor(x, x, r.y, isa::AluOp::add);
}
}  // namespace

void residual_reduce(KernelCtx& k, const Tile& x) {
  if (!k.tp) return;
  const TpReduce& r = *k.tp;
  const uint32_t T = r.y.partitions(), dim = uint32_t(r.y.free_elems());
  k.b.store(r.partial.view(0, T, 0, dim), r.y);
  reduce_and_add(k, x, r.partial);
}

void residual_add_rows(KernelCtx& k, uint64_t c0, uint32_t n, const Tile& acc) {
  k.b.tensor_copy(k.tp->y.parts(0, acc.partitions()).cols(uint32_t(c0), n), acc, k.evac_engine());
}

void residual_reduce_rows(KernelCtx& k, const Tile& x) {
  const TpReduce& r = *k.tp;
  const uint32_t rows = r.r1 - r.r0, dim = uint32_t(r.y.free_elems());
  // y's first partitions hold rows [r0, r1): DMA moves them to their rows (engines cannot
  // shift partitions).
  if (rows > 0) k.b.store(r.partial_rows.view(r.r0, rows, 0, dim), r.y.parts(0, rows));
  reduce_and_add(k, x, r.partial_rows);
}

}  // namespace npulab::llm::compile
