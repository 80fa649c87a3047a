// Exact equality for the round-trip guarantees; see compare.h for what is compared.
#include "isa/compare.h"

#include <algorithm>

#include "isa/opcode_table.h"

#include <bit>

namespace npulab::isa {

static bool same_bits(float a, float b) { return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b); }

bool operator==(const Dim& a, const Dim& b) { return a.stride == b.stride && a.size == b.size; }

bool operator==(const SemWait& a, const SemWait& b) {
  return a.sem == b.sem && a.reg == b.reg && a.value == b.value &&
         (a.reg < 0 || a.reg_scale == b.reg_scale);
}

bool operator==(const TensorRef& a, const TensorRef& b) {
  if (a.ndim != b.ndim) return false;
  if (a.ndim == 0) return true;  // unused operand: nothing else is part of it
  if (a.space != b.space || a.dtype != b.dtype || a.part_start != b.part_start ||
      a.part_count != b.part_count || a.part_stride != b.part_stride || a.part_bcast != b.part_bcast ||
      a.offset != b.offset ||
      a.offset_reg != b.offset_reg || (a.offset_reg >= 0 && a.offset_reg_scale != b.offset_reg_scale))
    return false;
  for (int i = 0; i < a.ndim && i < 4; ++i)
    if (!(a.dims[i] == b.dims[i])) return false;
  return true;
}

bool operator==(const Instr& a, const Instr& b) {
  if (a.op != b.op || a.num_waits != b.num_waits || a.signal != b.signal) return false;
  if (a.signal >= 0 && std::max<int>(a.signal_core, -1) != std::max<int>(b.signal_core, -1)) return false;
  for (int i = 0; i < a.num_waits && i < int(kMaxWaits); ++i)
    if (!(a.waits[i] == b.waits[i])) return false;
  const OpInfo& info = op_info(a.op);
  for (int i = 0; i < info.num_operands; ++i)
    if (!(a.t[i] == b.t[i])) return false;
  for (int i = 0; i < info.num_fields; ++i) {
    bool same = true;
    switch (info.fields[i].field) {
      case Field::reg0: same = a.reg0 == b.reg0; break;
      case Field::iimm0: same = a.iimm0 == b.iimm0; break;
      case Field::iimm1: same = a.iimm1 == b.iimm1; break;
      case Field::imm0: same = same_bits(a.imm0, b.imm0); break;
      case Field::imm1: same = same_bits(a.imm1, b.imm1); break;
      case Field::alu0: same = a.alu0 == b.alu0; break;
      case Field::alu1: same = a.alu1 == b.alu1; break;
      case Field::act: same = a.act == b.act; break;
      case Field::flags: same = a.flags == b.flags; break;
    }
    if (!same) return false;
  }
  return true;
}

bool operator==(const CoreProgram& a, const CoreProgram& b) { return a.streams == b.streams; }

bool operator==(const TensorDecl& a, const TensorDecl& b) {
  return a.name == b.name && a.dtype == b.dtype && a.shape == b.shape &&
         a.hbm_offset == b.hbm_offset && a.kind == b.kind;
}

bool operator==(const Constant& a, const Constant& b) {
  return a.hbm_offset == b.hbm_offset && a.bytes == b.bytes;
}

bool operator==(const Executable& a, const Executable& b) {
  return a.name == b.name && a.chip == b.chip && a.cores == b.cores && a.tensors == b.tensors &&
         a.constants == b.constants;
}

}  // namespace npulab::isa
