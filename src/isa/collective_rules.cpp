// Static rules of the collectives (see collective_rules.h).
#include "isa/collective_rules.h"

#include <fmt/format.h>

#include "isa/opcode_table.h"
#include "isa/verify.h"

namespace npulab::isa {

bool is_collective(Opcode op) { return op_info(op).kind == OpKind::Collective; }

std::string group_text(int64_t group) {
  std::string s = "{";
  for (uint32_t c = 0; c < 64; ++c)
    if (uint64_t(group) >> c & 1) s += fmt::format("{}{}", s.size() > 1 ? "," : "", c);
  return s + "}";
}

std::optional<std::string> collective_error(const Instr& in, uint32_t cores_per_chip, int64_t core) {
  const std::string_view name = op_info(in.op).name;
  const uint64_t g = uint64_t(in.iimm0);
  if (g == 0) return fmt::format("{} group is empty (group = bit mask of the participating cores)", name);
  const uint32_t limit = std::min<uint32_t>(cores_per_chip, 64);
  if (limit < 64 && (g >> limit) != 0)
    return fmt::format("{} group {} names cores the chip does not have (cores_per_chip {})", name,
                       group_text(in.iimm0), cores_per_chip);
  if (core >= 0 && (core >= 64 || !(g >> core & 1)))
    return fmt::format("{} group {} does not include the issuing core {}", name, group_text(in.iimm0), core);
  const TensorRef &dst = in.t[0], &src = in.t[1];
  if (dst.dtype != src.dtype)
    return fmt::format("{} dst ({}) and src ({}) must have the same dtype", name, dtype_name(dst.dtype),
                       dtype_name(src.dtype));
  if ((in.op == Opcode::all_reduce || in.op == Opcode::reduce_scatter) && in.alu0 != AluOp::add &&
      in.alu0 != AluOp::max && in.alu0 != AluOp::min)
    return fmt::format("{} op must be add, max or min, got {}", name, alu_name(in.alu0));
  const uint64_t n = group_size(in.iimm0), d = dst.elems(), s = src.elems();
  switch (in.op) {
    case Opcode::all_reduce:
      if (d != s) return fmt::format("all_reduce dst has {} elements but src {} (they must be equal)", d, s);
      break;
    case Opcode::all_gather:
      if (d != n * s)
        return fmt::format("all_gather dst has {} elements; {} ranks x src {} = {} expected", d, n, s, n * s);
      break;
    case Opcode::reduce_scatter:
      if (s != n * d)
        return fmt::format("reduce_scatter src has {} elements; {} ranks x dst {} = {} expected", s, n, d, n * d);
      break;
    case Opcode::all_to_all:
      if (d != s || s % n != 0)
        return fmt::format("all_to_all dst and src must have the same number of elements, a multiple of the {} "
                           "ranks; got dst {}, src {}", n, d, s);
      break;
    default: break;
  }
  return std::nullopt;
}

// The row's verifier (opcodes.def VERIFY(collective)): validation and the Builder call it.
void verify_collective(const VerifyCtx& c) {
  if (auto err = collective_error(c.in, c.chip.cores_per_chip, c.core)) c.error(*err);
}

}  // namespace npulab::isa
