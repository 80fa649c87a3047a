#include "llm/compile/tp_reduce.h"

#include "llm/compile/ffn_block.h"
#include "llm/compile/tp_collective.h"

namespace npulab::llm::compile {

TpReduce make_tp_reduce(Builder& b, uint32_t ranks, uint32_t T, uint32_t dim, DType dtype) {
  TpReduce r;
  r.ranks = ranks;
  r.y = b.sbuf("tp_y", DType::F32, T, {dim});
  r.partial = b.scratch("tp_partial", dtype, {T, dim});
  r.sum = b.scratch("tp_sum", dtype, {T, dim});
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

void residual_reduce(KernelCtx& k, const Tile& x) {
  if (!k.tp) return;
  Builder& b = k.b;
  const TpReduce& r = *k.tp;
  const uint32_t T = r.y.partitions(), dim = uint32_t(r.y.free_elems());
  b.store(r.partial.view(0, T, 0, dim), r.y);
  tp_all_reduce_sum(b, r.sum, r.partial, r.ranks);
  b.load(r.y, r.sum.view(0, T, 0, dim));
  b.tensor_tensor(x, x, r.y, isa::AluOp::add);
}

}  // namespace npulab::llm::compile
