// What the scheduler precomputes per static instruction, once per executable (not per
// run): a compact Meta (24 bytes, so the issue loop of a large program touches one small
// array instead of the 432-byte isa::Instr), the waits of each stream copied into a dense
// array, and the full cost of instructions whose cost does not depend on run-time state
// (everything except the tensor engine, whose cost depends on the stationary it holds).
// sim::PreparedProgram (simulator.h) holds one of these so repeated runs of the same
// executable skip validation and this precomputation; Chip::run(exe) builds it each time.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "arch/chip.h"
#include "common/checked.h"
#include "isa/instr.h"
#include "isa/opcode_table.h"
#include "sim/cost.h"

namespace npulab::sim {

// Simulated time is integer picoseconds. A duration is rounded to whole picoseconds, at
// least 1 and at most kMaxDurationPs (saturated: an absurd cost, e.g. a 1e300 ns DMA
// latency, becomes "very long" instead of wrapping to a short or negative time). Event
// times never pass the run's time budget, at most kMaxTimePs, so time + duration, and the
// sequencer's run-ahead (< one more duration), stay far from int64 overflow.
constexpr int64_t kMaxDurationPs = int64_t(1) << 60;
constexpr int64_t kMaxTimePs = int64_t(1) << 62;
inline int64_t ns_to_ps(double ns) {
  return std::clamp<int64_t>(saturating_round<int64_t>(ns * 1000.0), 1, kMaxDurationPs);
}

// How the scheduler issues an instruction: its row's kind (isa/opcodes.def).
using Kind = isa::OpKind;

struct Meta {
  int64_t dur_ps = 0;         // Control/Compute: duration; Dma: the fixed latency; Tensor, Collective: unused
  uint32_t wait_begin = 0;    // this instruction's waits: PreparedStream::waits[wait_begin ..]
  uint32_t cost_index = 0;    // has_cost: PreparedStream::costs[cost_index]
  int16_t signal = -1;
  int8_t signal_core = -1;    // core whose semaphore `signal` is (-1: the issuing core)
  uint8_t num_waits = 0;
  Kind kind = Kind::Control;
  bool reg_relative : 1 = false;  // some operand has offset_reg >= 0: checked at run time
  bool has_cost : 1 = false;      // DMAs and ops with FLOPs or HBM bytes: full Cost kept
  bool reads_instr : 1 = false;   // issue needs the Instr even timing-only without races
                                  // (register-relative operands, PE cost, timing-only hooks)
  bool next_control : 1 = false;  // the next instruction of the stream is a control op
  bool compact_bounds : 1 = false;  // DMA whose register-relative operands are checked against
                                    // PreparedStream::bounds[cost_index] (timing-only, no races)
  isa::Opcode op = isa::Opcode::nop;
};
static_assert(sizeof(Meta) <= 24);

// Tensor-engine instruction with a static stationary: its cost with and without the
// LoadStationary, computed by its cost function itself (busy_miss - busy_hit is the
// LoadStationary, which the scheduler may overlap: pe_pipeline.h), and the interned id of
// its stationary (the operand its row marks HELD), so the issue compares ids instead of
// reading the Instr.
struct PeCost {
  static constexpr uint32_t kNoStationary = UINT32_MAX;
  double busy_hit = 0, busy_miss = 0, flops = 0;
  uint32_t stationary = kNoStationary;  // interned HELD operand; none for ops without one (transpose)
};

// The register values for which a register-relative DMA is in bounds, precomputed from its
// operands' offsets, scales, byte extents and memory limits (all its register-relative
// operands use register `reg`), so the timing-only issue checks one integer range instead
// of reading the Instr. Empty (lo > hi) when no value is.
struct RegRange {
  int64_t lo = 0, hi = -1;
  int8_t reg = -1;
};
inline bool reg_range_ok(const RegRange& r, const int64_t* regs) {
  const int64_t v = regs[r.reg];
  return v >= r.lo && v <= r.hi;
}

struct PreparedStream {
  uint32_t core = 0, stream = 0;
  uint32_t exe_cores = 0;   // cores of the executable (cross-core signals must name one)
  std::string name;         // "core0.dma3" (SimResult::streams), formatted once, not per run
  uint32_t dma_engine = 0;  // chip-wide DMA engine index (DMA queues only)
  const isa::Instr* code = nullptr;
  uint32_t size = 0;
  std::vector<Meta> meta;
  std::vector<isa::SemWait> waits;
  std::vector<Cost> costs;
  std::vector<RegRange> bounds;  // parallel to costs; used by Meta::compact_bounds DMAs
  // PE stream: per tensor-engine instruction (Meta::cost_index), unless `pe_dynamic`: some
  // HELD operand (a matmul's stationary) is register-relative, so every cost comes from the
  // cost function at issue.
  std::vector<PeCost> pe;
  bool pe_dynamic = false;
};

struct PreparedExe {
  const isa::Executable* exe = nullptr;
  const arch::ChipConfig* chip = nullptr;
  std::vector<PreparedStream> streams;  // non-empty streams, in (core, stream) order
};

// Builds the precomputation for `exe` on `chip` (both must outlive the result). Checks
// what the scheduler indexes with (semaphores, registers) and throws naming the
// instruction; the executable must already have passed isa::validate_executable.
PreparedExe prepare_executable(const arch::ChipConfig& chip, const isa::Executable& exe);
// The same into `out`, reusing its storage; with `validate`, each instruction also gets
// isa::validate_stream_instr in the same pass (the caller checks validate_executable_decls).
void prepare_executable(const arch::ChipConfig& chip, const isa::Executable& exe, bool validate,
                        PreparedExe& out);

// Recomputes instruction `pc` of `ps` after it was modified in place (if its number of
// waits changed, the stream's whole dense wait array is rebuilt).
void prepare_instr(const arch::ChipConfig& chip, PreparedStream& ps, uint32_t pc);

}  // namespace npulab::sim
