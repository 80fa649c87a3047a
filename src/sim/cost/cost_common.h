// Shared helpers of the cost functions (sim/cost/*.cpp). Every number comes from the
// arch::ChipConfig; formulas and their sources are documented in docs/SIMULATOR.md.
#pragma once
#include <cmath>
#include <cstdint>

#include "sim/cost.h"

namespace npulab::sim::costing {

// Control ops (nop, reg_set, reg_add, branch_lt, jump) take this many cycles of the issuing
// engine's sequencer clock. A modelling constant, not a hardware figure: the reference only
// says sequencers have scalar registers for "ALU work, branches and DMA triggers".
constexpr double kControlCycles = 4;

// Clock of a stream's sequencer: the engine's own clock; SP (no datapath) and the DMA
// queues use the scalar engine's clock (ASSUMPTION: no published sequencer clock).
inline double stream_clock_ghz(const arch::ChipConfig& c, uint32_t stream) {
  switch (stream) {
    case uint32_t(isa::Stream::PE): return c.tensor.clock_ghz;
    case uint32_t(isa::Stream::DVE): return c.vector.clock_ghz;
    case uint32_t(isa::Stream::POOL): return c.gpsimd.clock_ghz;
    default: return c.scalar.clock_ghz;
  }
}

// The streaming engine (vector / scalar / gpsimd) a stream drives.
inline const arch::StreamEngine& stream_engine(const arch::ChipConfig& c, uint32_t stream) {
  switch (stream) {
    case uint32_t(isa::Stream::ACT): return c.scalar;
    case uint32_t(isa::Stream::POOL): return c.gpsimd;
    default: return c.vector;
  }
}

inline double ceil_div(double a, double b) { return std::ceil(a / b); }

}  // namespace npulab::sim::costing

namespace npulab::sim {
// Whether the PE array holding `st` already holds stationary `r` at byte offset `off`
// (then a matmul skips LoadStationary). The scheduler interns stationaries with it.
bool same_stationary(const TensorEngineState& st, const isa::TensorRef& r, uint64_t off);
}  // namespace npulab::sim
