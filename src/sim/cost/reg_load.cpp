// Cost of reg_load: the sequencer reads one 4-byte word from SBUF into a register.
// ASSUMPTION (no published figure): the control-op cycles plus one SBUF access of
// kRegLoadSbufCycles of the sequencer clock; it is a stream-blocking op (the next
// instruction of the stream, typically the DMA that uses the register, waits for it).
#include "sim/cost/cost_common.h"

namespace npulab::sim {

namespace {
constexpr double kRegLoadSbufCycles = 64;
}  // namespace

Cost cost_reg_load(const isa::Instr&, CostCtx& ctx) {
  Cost c;
  c.busy_ns = (costing::kControlCycles + kRegLoadSbufCycles) / costing::stream_clock_ghz(*ctx.chip, ctx.stream);
  return c;
}

}  // namespace npulab::sim
