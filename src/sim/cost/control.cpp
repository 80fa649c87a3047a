// Cost of the control opcodes: a few cycles of the issuing sequencer's clock. The
// scheduler lets a sequencer run these ahead while its datapath is busy (see
// docs/SIMULATOR.md, "Control ops"), so in a loop they are usually hidden.
#include "sim/cost/cost_common.h"

namespace npulab::sim {

namespace {
Cost control_cost(const CostCtx& ctx) {
  Cost c;
  c.busy_ns = costing::kControlCycles / costing::stream_clock_ghz(*ctx.chip, ctx.stream);
  return c;
}
}  // namespace

Cost cost_nop(const isa::Instr&, CostCtx& ctx) { return control_cost(ctx); }
Cost cost_reg_set(const isa::Instr&, CostCtx& ctx) { return control_cost(ctx); }
Cost cost_reg_add(const isa::Instr&, CostCtx& ctx) { return control_cost(ctx); }
Cost cost_branch_lt(const isa::Instr&, CostCtx& ctx) { return control_cost(ctx); }
Cost cost_jump(const isa::Instr&, CostCtx& ctx) { return control_cost(ctx); }

}  // namespace npulab::sim
