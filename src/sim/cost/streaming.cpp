// Costs of the streaming engines (vector DVE, scalar ACT, gpsimd POOL). The engine is
// chosen by the issuing stream (tensor_scalar may run on DVE, ACT or POOL).
//
//   cycles = fixed_overhead_cycles
//          + sum over tensor operands of access_overhead_cycles (SBUF or PSUM)
//          + max(min_cycles, sum over passes of ceil(free_elems / rate) * ceil(P / lanes))
//   time   = cycles / clock_ghz
//   rate   = elements per cycle per lane of the pass, the slower of the streamed input and
//            the output: elems_per_cycle_16bit (2-byte dtypes in SBUF), _8bit (1-byte in
//            SBUF), _other (4-byte dtypes, and anything in PSUM).
//
// One pass per streamed input ("~N cycles for one input, ~2N for two", reference §1.4);
// per-partition scalars ([P,1] scalar/bias operands) and 8-wide outputs are not streamed.
// Since every pass takes at least free_elems / rate cycles, no instruction exceeds the
// engine's peak of lanes * rate * clock elements per ns.
//
// A partition-broadcast input (TensorRef::part_bcast, NKI's `row.broadcast_to((P, F))`)
// is not a second full pass. The "~2N for two inputs" of reference §1.4 is the engine's
// SBUF read bandwidth: two full tiles are 2 * P * F elements read. A broadcast row is F
// elements read from one partition. ASSUMPTION (the NKI ISA and architecture guides state
// no cost for a broadcast operand; nki.language.broadcast_to and the fused-Mamba tutorial
// use it without a figure): the row is read once and fanned out to the lanes, so its pass
// streams its F elements at the engine's whole read rate (lanes * rate per cycle), i.e.
// it costs what the same bytes cost as part of a full tile: ceil(F / (lanes * rate)).
// It still pays its access overhead like any operand.
#include <algorithm>
#include <cmath>

#include "sim/cost/cost_common.h"

namespace npulab::sim {

namespace {

using isa::TensorRef;

double rate_of(const arch::StreamEngine& e, const TensorRef& r) {
  if (r.space == isa::Space::Psum) return e.elems_per_cycle_other;
  switch (dtype_size(r.dtype)) {
    case 2: return e.elems_per_cycle_16bit;
    case 1: return e.elems_per_cycle_8bit;
    default: return e.elems_per_cycle_other;
  }
}

struct Streaming {
  const arch::ChipConfig& chip;
  const arch::StreamEngine& e;
  double access = 0;   // access overhead cycles
  double passes = 0;   // streaming cycles

  Streaming(const CostCtx& ctx)
      : chip(*ctx.chip), e(costing::stream_engine(*ctx.chip, ctx.stream)) {}

  // Every tensor operand the instruction touches pays one access overhead.
  Streaming& touch(const TensorRef& r) {
    if (!r.used()) return *this;
    access += r.space == isa::Space::Psum ? chip.psum.access_overhead_cycles
                                          : chip.sbuf.access_overhead_cycles;
    return *this;
  }
  // One pass streaming `src` (optionally writing `dst` at the same pace), `times` times.
  Streaming& pass(const TensorRef& src, const TensorRef* dst = nullptr, double times = 1) {
    double rate = rate_of(e, src);
    if (dst && dst->used()) rate = std::min(rate, rate_of(e, *dst));
    if (src.part_bcast) {  // one partition's F elements at the whole engine's read rate
      passes += times * std::ceil(double(src.free_elems()) / (rate * double(e.lanes)));
      return *this;
    }
    const double rows = std::ceil(double(src.part_count) / double(e.lanes));
    passes += times * std::ceil(double(src.free_elems()) / rate) * std::max(1.0, rows);
    return *this;
  }
  Cost done(const isa::Instr&) const {
    const double cycles = double(e.fixed_overhead_cycles) + access +
                          std::max(double(e.min_cycles), passes);
    Cost c;
    c.busy_ns = cycles / e.clock_ghz;
    return c;
  }
};

Streaming touch_all(const isa::Instr& in, const CostCtx& ctx) {
  Streaming s(ctx);
  for (const auto& t : in.t) s.touch(t);
  return s;
}

}  // namespace

Cost cost_tensor_tensor(const isa::Instr& in, CostCtx& ctx) {
  return touch_all(in, ctx).pass(in.t[1], &in.t[0]).pass(in.t[2], &in.t[0]).done(in);
}
// Two input tiles streamed, as tensor_tensor (NKI's VectorE model: two inputs ~ 2N cycles);
// the [P,1] init is one element per partition.
Cost cost_tensor_tensor_scan(const isa::Instr& in, CostCtx& ctx) {
  return touch_all(in, ctx).pass(in.t[1], &in.t[0]).pass(in.t[2], &in.t[0]).done(in);
}
Cost cost_tensor_scalar(const isa::Instr& in, CostCtx& ctx) {
  return touch_all(in, ctx).pass(in.t[1], &in.t[0]).done(in);
}
Cost cost_tensor_reduce(const isa::Instr& in, CostCtx& ctx) {
  return touch_all(in, ctx).pass(in.t[1]).done(in);
}
Cost cost_tensor_copy(const isa::Instr& in, CostCtx& ctx) {
  return touch_all(in, ctx).pass(in.t[1], &in.t[0]).done(in);
}
Cost cost_memset(const isa::Instr& in, CostCtx& ctx) {
  return touch_all(in, ctx).pass(in.t[0], &in.t[0]).done(in);
}
Cost cost_iota(const isa::Instr& in, CostCtx& ctx) {
  return touch_all(in, ctx).pass(in.t[0], &in.t[0]).done(in);
}
Cost cost_select(const isa::Instr& in, CostCtx& ctx) {
  return touch_all(in, ctx)
      .pass(in.t[1], &in.t[0])
      .pass(in.t[2], &in.t[0])
      .pass(in.t[3], &in.t[0])
      .done(in);
}
Cost cost_affine_select(const isa::Instr& in, CostCtx& ctx) {
  return touch_all(in, ctx).pass(in.t[1], &in.t[0]).done(in);
}
Cost cost_max8(const isa::Instr& in, CostCtx& ctx) {
  return touch_all(in, ctx).pass(in.t[1]).done(in);
}
Cost cost_find_index8(const isa::Instr& in, CostCtx& ctx) {
  return touch_all(in, ctx).pass(in.t[1]).done(in);
}
// func(x*scale+bias) reads one input; the optional free-axis sum is free (reference §1.4).
Cost cost_activation(const isa::Instr& in, CostCtx& ctx) {
  return touch_all(in, ctx).pass(in.t[1], &in.t[0]).done(in);
}
// Cross-partition reduce: ASSUMPTION (no published figure): one pass per step of a
// log2(P) reduction tree across the gpsimd cores, plus one pass to broadcast the result.
Cost cost_partition_reduce(const isa::Instr& in, CostCtx& ctx) {
  const double steps = std::ceil(std::log2(std::max<double>(2, in.t[1].part_count)));
  return touch_all(in, ctx).pass(in.t[1], &in.t[0], steps + 1).done(in);
}
// Shuffle: ASSUMPTION: a gather pass reading src plus a pass writing dst.
Cost cost_shuffle(const isa::Instr& in, CostCtx& ctx) {
  return touch_all(in, ctx).pass(in.t[1], &in.t[0]).pass(in.t[0], &in.t[0]).done(in);
}

}  // namespace npulab::sim
