// Cost of the collectives (all_reduce, all_gather, reduce_scatter, all_to_all): what one
// rank's share of the collective's plan (sim/collective/plan.h) asks of the chip, if it
// had its DMA rings and HBM to itself. The simulated time comes from the collective
// engine, which runs the plan's steps as transfers through the shared bandwidth model;
// this uncontended figure is its lower bound and what the scheduler's statistics count
// (HBM bytes of this rank's share).
#include <bit>

#include "sim/collective/plan.h"
#include "sim/collective/semantics.h"
#include "sim/cost/cost_common.h"

namespace npulab::sim {

namespace {

Cost collective_cost(const isa::Instr& in, CostCtx& ctx) {
  const arch::ChipConfig& chip = *ctx.chip;
  const uint32_t ranks = uint32_t(std::popcount(uint64_t(in.iimm0)));
  const CollectivePlan plan = plan_collective(chip, *collective_kind(in.op), ranks, collective_message_bytes(in),
                                              uint32_t(dtype_size(in.t[1].dtype)));
  Cost c;
  c.busy_ns = collective_uncontended_ns(chip, plan);
  for (const auto& s : plan.steps) {
    c.hbm_read_bytes += s.hbm_read();
    c.hbm_write_bytes += s.hbm_write();
  }
  c.dma_bytes = plan.bytes_per_rank();
  return c;
}

}  // namespace

Cost cost_all_reduce(const isa::Instr& in, CostCtx& ctx) { return collective_cost(in, ctx); }
Cost cost_all_gather(const isa::Instr& in, CostCtx& ctx) { return collective_cost(in, ctx); }
Cost cost_reduce_scatter(const isa::Instr& in, CostCtx& ctx) { return collective_cost(in, ctx); }
Cost cost_all_to_all(const isa::Instr& in, CostCtx& ctx) { return collective_cost(in, ctx); }

}  // namespace npulab::sim
