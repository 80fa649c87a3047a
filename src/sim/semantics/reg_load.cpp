// reg_load: r = the int32 at src (SBUF, one element). The register belongs to the issuing
// stream; the next instructions of that stream see it (streams are in order), e.g. as
// TensorRef::offset_reg of a DMA that fetches the weights of a routed MoE expert.
// Timing-only runs have no values: the row's hook, timing_reg_load, sets r = 0 there
// instead, so register-relative addresses stay deterministic (docs/ISA.md, "reg_load").
#include "common/error.h"
#include "sim/semantics.h"
#include "sim/semantics/sem_util.h"

namespace npulab::sim {

void sem_reg_load(const isa::Instr& in, ExecCtx& ctx) {
  sem::check_operands(in, ctx, 1);
  const isa::TensorRef& src = in.t[0];
  if (src.dtype != DType::I32 || src.part_count != 1 || src.free_elems() != 1)
    fail("reg_load: src must be one i32 element [1 partition, 1], got {} [{}, {}]", dtype_name(src.dtype),
         src.part_count, src.free_elems());
  if (!ctx.regs_out || in.reg0 >= ctx.regs.size())
    fail("reg_load: register r{} is not writable on this stream ({} registers)", in.reg0, ctx.regs.size());
  int32_t v = 0;
  sem::gather_i32(ctx, src, &v);
  ctx.regs_out[in.reg0] = v;  // sign-extended: a negative index stays negative
}

void timing_reg_load(const isa::Instr& in, ExecCtx& ctx) { ctx.regs_out[in.reg0] = 0; }

}  // namespace npulab::sim
