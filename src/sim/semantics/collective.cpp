// The collectives' per-instruction semantics entries. A collective is executed by the
// chip's collective engine once every core of its group has issued it (sim/collective/
// semantics.h, run by the scheduler, which never calls these). Called directly on one
// instruction, as the semantics test harness does, only a group of the issuing core alone
// is complete: then it is that one-rank collective (a copy, through FP32 for reductions).
#include "isa/collective_rules.h"
#include "sim/collective/semantics.h"
#include "sim/semantics.h"
#include "sim/semantics/sem_util.h"

namespace npulab::sim {

namespace {
void one_rank(const isa::Instr& in, ExecCtx& ctx) {
  if (ctx.core >= 64 || uint64_t(in.iimm0) != uint64_t(1) << ctx.core)
    fail("{} of group {} is executed by the chip's collective engine once every core of the group issued it, "
         "not by core {} alone",
         sem::op_name(in), isa::group_text(in.iimm0), ctx.core);
  run_collective({{&in, &ctx}});
}
}  // namespace

void sem_all_reduce(const isa::Instr& in, ExecCtx& ctx) { one_rank(in, ctx); }
void sem_all_gather(const isa::Instr& in, ExecCtx& ctx) { one_rank(in, ctx); }
void sem_reduce_scatter(const isa::Instr& in, ExecCtx& ctx) { one_rank(in, ctx); }
void sem_all_to_all(const isa::Instr& in, ExecCtx& ctx) { one_rank(in, ctx); }

}  // namespace npulab::sim
