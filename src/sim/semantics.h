// Functional semantics, one function per opcode of isa/opcodes.def:
//   void sem_<name>(const isa::Instr&, ExecCtx&)
// and one timing-only hook per HOOK(h) of the table:
//   void timing_<h>(const isa::Instr&, ExecCtx&)
// Data opcodes are defined in sim/semantics/*.cpp and run in functional mode only (in
// timing-only mode there are no values; a data op's hook, if its row names one, runs
// instead). Control opcodes (sim/control.cpp) need no values and run in every mode: they
// update the issuing stream's registers and program counter through the ExecCtx.
// Numerics: inputs are read in their dtype, arithmetic is FP32 (matmul: FP32
// accumulation in PSUM), outputs are rounded to the destination dtype with RNE.
#pragma once
#include "sim/exec.h"

namespace npulab::sim {

#define HOOK(h) void timing_##h(const isa::Instr& in, ExecCtx& ctx);
#define NO_HOOK
#define OP(name, kind, engines, operands, fields, flags, traits, verifier, timing) \
  void sem_##name(const isa::Instr& in, ExecCtx& ctx);                             \
  timing
#include "isa/opcodes.def"
#undef OP
#undef HOOK
#undef NO_HOOK

}  // namespace npulab::sim
