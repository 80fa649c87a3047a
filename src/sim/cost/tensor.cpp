// Tensor engine (PE) costs: matmul and transpose.
//
//   cycles = fixed_overhead_cycles
//          + LoadStationary  (only if the stationary operand differs from the one the
//                             array holds: load_stationary_fast_cycles * M / cols * factor)
//          + max(N, min_issue_cycles) * factor          (MultiplyMoving, one column/cycle)
//   time   = cycles / tensor.clock_ghz
//   factor = fp32_factor if any input is 4-byte, fp8_factor if both inputs are 1-byte, else 1
//
// Cost::ls_ns reports the LoadStationary part: the scheduler runs it in the background,
// behind the previous MultiplyMoving, and charges only what does not fit
// (sim/scheduler/pe_pipeline.h). Sources: NKI architecture guide (MultiplyMoving II ~
// max(N, 64), FP32 ~4x, background LoadStationary) and NKI performance guide Opt #7 (fast
// LoadStationary, LS_II ~ 128/4 = 32 cycles); docs/SIMULATOR.md. Since N <= cols-wide moving
// columns pass one per cycle, one matmul does at most 2*rows*cols/factor FLOPs per cycle:
// the model can never exceed the PE peak.
#include <algorithm>

#include "sim/cost/cost_common.h"
#include "isa/access_pattern.h"

namespace npulab::sim {

namespace {

double dtype_factor(const arch::TensorEngine& te, DType a, DType b) {
  if (dtype_size(a) == 4 || dtype_size(b) == 4) return te.fp32_factor;
  if (dtype_size(a) == 1 && dtype_size(b) == 1) return te.fp8_factor;
  return 1.0;
}

// LoadStationary of an M-column stationary tile.
double load_stationary_cycles(const arch::TensorEngine& te, uint64_t m, double factor) {
  return double(te.load_stationary_fast_cycles) * double(m) / double(te.cols) * factor;
}

}  // namespace

bool same_stationary(const TensorEngineState& st, const isa::TensorRef& r, uint64_t off) {
  if (!st.has_stationary) return false;
  const isa::TensorRef& h = st.stationary;
  if (h.space != r.space || h.dtype != r.dtype || h.ndim != r.ndim ||
      h.part_start != r.part_start || h.part_count != r.part_count || h.part_bcast != r.part_bcast ||
      st.stationary_offset != off)
    return false;
  for (int k = 0; k < r.ndim; ++k)
    if (h.dims[k].size != r.dims[k].size || h.dims[k].stride != r.dims[k].stride) return false;
  return true;
}

Cost cost_matmul(const isa::Instr& in, CostCtx& ctx) {
  const auto& te = ctx.chip->tensor;
  const isa::TensorRef& st = in.t[1];
  const isa::TensorRef& mv = in.t[2];
  const uint64_t k = st.part_count, m = st.free_elems(), n = mv.free_elems();
  const double factor = dtype_factor(te, st.dtype, mv.dtype);
  double ls = 0;
  const uint64_t off = isa::operand_offset(st, ctx.regs, "matmul stationary");
  if (!ctx.pe || !same_stationary(*ctx.pe, st, off)) {
    ls = load_stationary_cycles(te, m, factor);
    if (ctx.pe) *ctx.pe = TensorEngineState{true, st, off};
  }
  const double cycles = te.fixed_overhead_cycles + ls + double(std::max<uint64_t>(n, te.min_issue_cycles)) * factor;
  Cost c;
  c.busy_ns = cycles / te.clock_ghz;
  c.ls_ns = ls / te.clock_ghz;
  c.flops = 2.0 * double(k) * double(m) * double(n);
  return c;
}

// transpose(dst[F, P] <- src[P, F]) is a matmul with src as the stationary (M = F columns)
// and an identity as the moving tile (N = P columns). It replaces the array's stationary
// with src, so the next matmul reloads. Counted as data movement, not useful FLOPs.
Cost cost_transpose(const isa::Instr& in, CostCtx& ctx) {
  const auto& te = ctx.chip->tensor;
  const isa::TensorRef& src = in.t[1];
  const double factor = dtype_factor(te, src.dtype, src.dtype);
  const double ls = load_stationary_cycles(te, src.free_elems(), factor);
  const double cycles = te.fixed_overhead_cycles + ls + double(std::max<uint64_t>(src.part_count, te.min_issue_cycles)) * factor;
  if (ctx.pe) ctx.pe->has_stationary = false;
  Cost c;
  c.busy_ns = cycles / te.clock_ghz;
  c.ls_ns = ls / te.clock_ghz;
  return c;
}

}  // namespace npulab::sim
