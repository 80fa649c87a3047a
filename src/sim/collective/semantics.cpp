// Collective data movement (see semantics.h).
#include "sim/collective/semantics.h"

#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "numerics/dtype.h"
#include "sim/semantics/alu.h"

namespace npulab::sim {

std::optional<CollectiveKind> collective_kind(isa::Opcode op) {
  switch (op) {
    case isa::Opcode::all_reduce: return CollectiveKind::AllReduce;
    case isa::Opcode::all_gather: return CollectiveKind::AllGather;
    case isa::Opcode::reduce_scatter: return CollectiveKind::ReduceScatter;
    case isa::Opcode::all_to_all: return CollectiveKind::AllToAll;
    default: return std::nullopt;
  }
}

uint64_t collective_message_bytes(const isa::Instr& in) {
  return in.op == isa::Opcode::all_gather ? in.t[0].bytes() : in.t[1].bytes();
}

namespace {

// acc = acc op x elementwise, with the engines' ALU semantics (sim/semantics/alu.h: max/min
// propagate NaN and order -0 < +0).
void combine(isa::AluOp op, float* acc, const float* x, size_t n) {
  switch (op) {
    case isa::AluOp::add:
      for (size_t i = 0; i < n; ++i) acc[i] += x[i];
      break;
    case isa::AluOp::max:
      for (size_t i = 0; i < n; ++i) acc[i] = alu::fmax_prop(acc[i], x[i]);
      break;
    case isa::AluOp::min:
      for (size_t i = 0; i < n; ++i) acc[i] = alu::fmin_prop(acc[i], x[i]);
      break;
    default: fail("collective reduction op {} is not add, max or min", isa::alu_name(op));
  }
}

// Rank r's source, decoded to FP32 (dense order).
std::vector<float> source_f32(const CollectiveMember& m) {
  const isa::TensorRef& src = m.in->t[1];
  std::vector<float> v(src.elems());
  gather_f32(*m.ctx, src, v.data());
  return v;
}

std::vector<uint8_t> source_raw(const CollectiveMember& m) {
  const isa::TensorRef& src = m.in->t[1];
  std::vector<uint8_t> v(src.bytes());
  gather_raw(*m.ctx, src, v.data());
  return v;
}

}  // namespace

void run_collective(const std::vector<CollectiveMember>& members) {
  const size_t n = members.size();
  if (n == 0) return;
  const isa::Instr& first = *members[0].in;
  const CollectiveKind kind = *collective_kind(first.op);
  for (const auto& m : members) {  // operands in bounds (registers applied) before anything moves
    check_operand(*m.ctx, m.in->t[0], "dst");
    check_operand(*m.ctx, m.in->t[1], "src");
  }
  switch (kind) {
    case CollectiveKind::AllReduce:
    case CollectiveKind::ReduceScatter: {
      std::vector<float> acc = source_f32(members[0]);
      for (size_t r = 1; r < n; ++r) {
        const std::vector<float> x = source_f32(members[r]);
        combine(first.alu0, acc.data(), x.data(), acc.size());
      }
      if (kind == CollectiveKind::AllReduce) {
        for (const auto& m : members) scatter_f32(*m.ctx, m.in->t[0], acc.data());
      } else {
        const size_t chunk = acc.size() / n;
        for (size_t r = 0; r < n; ++r) scatter_f32(*members[r].ctx, members[r].in->t[0], acc.data() + r * chunk);
      }
      return;
    }
    case CollectiveKind::AllGather:
    case CollectiveKind::AllToAll: {
      std::vector<std::vector<uint8_t>> src(n);
      for (size_t r = 0; r < n; ++r) src[r] = source_raw(members[r]);
      const size_t bytes = src[0].size();
      std::vector<uint8_t> out(kind == CollectiveKind::AllGather ? n * bytes : bytes);
      for (size_t r = 0; r < n; ++r) {
        if (kind == CollectiveKind::AllGather) {
          if (r == 0)
            for (size_t j = 0; j < n; ++j) std::memcpy(out.data() + j * bytes, src[j].data(), bytes);
        } else {  // chunk j of rank r's destination = chunk r of rank j's source
          const size_t chunk = bytes / n;
          for (size_t j = 0; j < n; ++j) std::memcpy(out.data() + j * chunk, src[j].data() + r * chunk, chunk);
        }
        scatter_raw(*members[r].ctx, members[r].in->t[0], out.data());
      }
      return;
    }
  }
}

}  // namespace npulab::sim
