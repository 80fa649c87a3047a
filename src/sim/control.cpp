// Semantics of the control opcodes. Registers and branches are interpreted by the
// scheduler (sim/scheduler/event_loop.cpp), which owns the program counters and register
// files; these functions exist so the dispatch table generated from opcodes.def is
// complete, and deliberately do nothing.
#include "sim/semantics.h"

namespace npulab::sim {

void sem_nop(const isa::Instr&, ExecCtx&) {}
void sem_reg_set(const isa::Instr&, ExecCtx&) {}
void sem_reg_add(const isa::Instr&, ExecCtx&) {}
void sem_branch_lt(const isa::Instr&, ExecCtx&) {}
void sem_jump(const isa::Instr&, ExecCtx&) {}

}  // namespace npulab::sim
