#include "kernels/collective_program.h"

#include <algorithm>

namespace npulab::kernels {

std::span<const CollectiveOp> collective_ops() {
  static const CollectiveOp ops[] = {
      {"all-reduce", isa::Opcode::all_reduce, sim::CollectiveKind::AllReduce},
      {"all-gather", isa::Opcode::all_gather, sim::CollectiveKind::AllGather},
      {"reduce-scatter", isa::Opcode::reduce_scatter, sim::CollectiveKind::ReduceScatter},
      {"all-to-all", isa::Opcode::all_to_all, sim::CollectiveKind::AllToAll},
  };
  return ops;
}

const CollectiveOp* find_collective_op(std::string_view name) {
  for (const CollectiveOp& k : collective_ops())
    if (name == k.name) return &k;
  return nullptr;
}

namespace {

// Elements of each rank's source and destination for a message of `elems` elements
// (plan.h: the destination of all-gather, else the source), rounded to the ranks.
std::pair<uint64_t, uint64_t> sizes(isa::Opcode op, uint64_t elems, uint32_t n) {
  const uint64_t per = std::max<uint64_t>(1, elems / n);
  switch (op) {
    case isa::Opcode::all_gather: return {per, per * n};
    case isa::Opcode::reduce_scatter: return {per * n, per};
    case isa::Opcode::all_to_all: return {per * n, per * n};
    default: return {std::max<uint64_t>(1, elems), std::max<uint64_t>(1, elems)};
  }
}

}  // namespace

CollectiveProgram collective_program(const CollectiveOp& k, const arch::ChipConfig& chip, uint32_t n, DType t,
                                     isa::AluOp alu, uint64_t bytes) {
  CollectiveProgram p;
  std::tie(p.src_n, p.dst_n) = sizes(k.op, bytes / dtype_size(t), n);
  ChipBuilder cb(chip, k.name, n);
  p.x = cb.private_input("x", t, {1, p.src_n});
  p.y = cb.private_output("y", t, {1, p.dst_n});
  std::vector<isa::TensorRef> dst, src;
  for (uint32_t r = 0; r < n; ++r) {
    dst.push_back(p.y[r].view(0, 1, 0, uint32_t(p.dst_n)));
    src.push_back(p.x[r].view(0, 1, 0, uint32_t(p.src_n)));
  }
  switch (k.kind) {
    case sim::CollectiveKind::AllReduce: cb.all_reduce(dst, src, alu); break;
    case sim::CollectiveKind::AllGather: cb.all_gather(dst, src); break;
    case sim::CollectiveKind::ReduceScatter: cb.reduce_scatter(dst, src, alu); break;
    case sim::CollectiveKind::AllToAll: cb.all_to_all(dst, src); break;
  }
  p.exe = cb.finish();
  p.message_bytes = (k.op == isa::Opcode::all_gather ? p.dst_n : p.src_n) * dtype_size(t);
  return p;
}

}  // namespace npulab::kernels
