// Semantics of the control opcodes (K_CONTROL rows of opcodes.def): the stream's sequencer
// updates its registers and program counter. They need no data values, so the scheduler
// runs them in every mode (sim/scheduler/event_loop.cpp), with the program counter
// already on the next instruction.
#include "common/error.h"
#include "sim/semantics.h"

namespace npulab::sim {

namespace {
// The target field (iimm1) of a branch, checked even when the branch is not taken.
uint32_t target(const isa::Instr& in, const ExecCtx& ctx) {
  if (in.iimm1 < 0 || in.iimm1 > int64_t(ctx.stream_size))
    fail("branch target {} is outside the stream (0..{})", in.iimm1, ctx.stream_size);
  return uint32_t(in.iimm1);
}
}  // namespace

void sem_nop(const isa::Instr&, ExecCtx&) {}
void sem_reg_set(const isa::Instr& in, ExecCtx& ctx) { ctx.regs_out[in.reg0] = in.iimm0; }
// Registers are 32-bit (isa/instr.h): leaving the range is an error, not a wrap.
void sem_reg_add(const isa::Instr& in, ExecCtx& ctx) {
  const int64_t v = ctx.regs_out[in.reg0] + in.iimm0;  // both within 32 bits (validated): exact
  if (v < isa::kRegMin || v > isa::kRegMax) [[unlikely]]
    fail("r{} = {} + {} overflows the 32-bit register [{}, {}]", in.reg0, ctx.regs_out[in.reg0], in.iimm0,
         isa::kRegMin, isa::kRegMax);
  ctx.regs_out[in.reg0] = v;
}
void sem_branch_lt(const isa::Instr& in, ExecCtx& ctx) {
  const uint32_t to = target(in, ctx);
  if (ctx.regs_out[in.reg0] < in.iimm0) *ctx.pc = to;
}
void sem_jump(const isa::Instr& in, ExecCtx& ctx) { *ctx.pc = target(in, ctx); }

}  // namespace npulab::sim
