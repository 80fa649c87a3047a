// Functional semantics, one function per opcode of isa/opcodes.def:
//   void sem_<name>(const isa::Instr&, ExecCtx&)
// Data opcodes are defined in sim/semantics/*.cpp; control opcodes (nop, reg_*,
// branch_lt, jump) are interpreted by the scheduler and their sem_ functions do nothing.
// Numerics: inputs are read in their dtype, arithmetic is FP32 (matmul: FP32
// accumulation in PSUM), outputs are rounded to the destination dtype with RNE.
#pragma once
#include "sim/exec.h"

namespace npulab::sim {

#define OP(name, engines, operands, fields) void sem_##name(const isa::Instr& in, ExecCtx& ctx);
#include "isa/opcodes.def"
#undef OP

}  // namespace npulab::sim
