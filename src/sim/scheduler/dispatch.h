// Per-opcode function tables generated from isa/opcodes.def (X-macro): the scheduler
// calls semantics and costs through plain function pointers, no per-op branching.
#pragma once
#include "sim/cost.h"
#include "sim/semantics.h"

namespace npulab::sim {

using SemFn = void (*)(const isa::Instr&, ExecCtx&);
using CostFn = Cost (*)(const isa::Instr&, CostCtx&);

inline constexpr SemFn kSemTable[] = {
#define OP(name, engines, operands, fields) &sem_##name,
#include "isa/opcodes.def"
#undef OP
};
inline constexpr CostFn kCostTable[] = {
#define OP(name, engines, operands, fields) &cost_##name,
#include "isa/opcodes.def"
#undef OP
};
static_assert(sizeof(kSemTable) / sizeof(kSemTable[0]) == size_t(isa::Opcode::kCount));
static_assert(sizeof(kCostTable) / sizeof(kCostTable[0]) == size_t(isa::Opcode::kCount));

// Control opcodes are interpreted by the scheduler (registers, branches).
constexpr bool is_control(isa::Opcode op) {
  return op == isa::Opcode::nop || op == isa::Opcode::reg_set || op == isa::Opcode::reg_add ||
         op == isa::Opcode::branch_lt || op == isa::Opcode::jump;
}

}  // namespace npulab::sim
