// Per-executable precomputation of the scheduler (see prepared.h).
#include "sim/scheduler/prepared.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "common/error.h"
#include "isa/asm.h"
#include "isa/validate.h"
#include "sim/cost/cost_common.h"
#include "sim/scheduler/dispatch.h"
#include "isa/access_pattern.h"

namespace npulab::sim {

namespace {

// Defensive checks of what the scheduler indexes with (validation covers the rest).
void check_indices(const arch::ChipConfig& chip, const PreparedStream& ps, uint32_t pc) {
  const isa::Instr& in = ps.code[pc];
  const uint32_t nsem = chip.semaphores_per_core, nreg = chip.registers_per_engine;
  auto bad = [&](const char* what) {
    fail("core{}.{}[{}] `{}`: {}", ps.core, isa::stream_name(ps.stream), pc, isa::to_text(in), what);
  };
  if (in.num_waits > isa::kMaxWaits) bad("too many semaphore waits");
  for (uint32_t w = 0; w < in.num_waits; ++w) {
    if (in.waits[w].sem >= nsem) bad("wait on a semaphore the core does not have");
    if (in.waits[w].reg >= int(nreg)) bad("wait uses a register the engine does not have");
  }
  if (in.signal >= int(nsem)) bad("signal of a semaphore the core does not have");
  if (isa::op_info(in.op).lists(isa::Field::reg0) && in.reg0 >= nreg) bad("register does not exist");
  if (in.signal >= 0 && in.signal_core >= 0 && uint32_t(in.signal_core) >= ps.exe_cores)
    fail("core{}.{}[{}] `{}`: signals a semaphore of core {} but the executable has {} cores", ps.core,
         isa::stream_name(ps.stream), pc, isa::to_text(in), in.signal_core, ps.exe_cores);
  for (const auto& t : in.t)
    if (t.used() && t.offset_reg >= int(nreg)) bad("offset register does not exist");
}

i128 floor_div(i128 a, i128 b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
i128 ceil_div(i128 a, i128 b) { return -floor_div(-a, b); }

// The register values r for which every register-relative operand of a DMA is in bounds:
// offset + r*scale in [0, INT64_MAX] and its bytes [eff + lo, eff + hi) inside [0, limit)
// (the conditions of operand_offset and check_operand_bounds). False when the operands use
// different registers (those keep the full check).
bool make_reg_range(const arch::ChipConfig& chip, const isa::Instr& in, RegRange& out) {
  i128 lo = INT64_MIN, hi = INT64_MAX;
  out = RegRange{};
  for (const auto& t : in.t) {
    if (!t.used() || t.offset_reg < 0) continue;
    if (out.reg >= 0 && out.reg != t.offset_reg) return false;
    out.reg = t.offset_reg;
    const isa::ByteSpan span = isa::operand_byte_span(t);  // HBM: with its rows
    const i128 elo = span.lo, ehi = span.hi;
    const i128 limit = t.space == isa::Space::Hbm ? i128(chip.hbm.capacity_bytes)
                                                  : i128((t.space == isa::Space::Sbuf ? chip.sbuf : chip.psum).bytes_per_partition);
    // eff = offset + r*scale must lie in [max(0, -elo), min(INT64_MAX, limit - ehi)].
    const i128 amin = std::max<i128>(0, -elo) - i128(t.offset), amax = std::min<i128>(INT64_MAX, limit - ehi) - i128(t.offset);
    const i128 s = t.offset_reg_scale;
    if (s == 0) {
      if (amin > 0 || amax < 0) hi = lo - 1;  // never in bounds
    } else if (s > 0) {
      lo = std::max(lo, ceil_div(amin, s));
      hi = std::min(hi, floor_div(amax, s));
    } else {
      lo = std::max(lo, ceil_div(amax, s));
      hi = std::min(hi, floor_div(amin, s));
    }
  }
  out.lo = int64_t(std::clamp<i128>(lo, INT64_MIN, INT64_MAX));
  out.hi = int64_t(std::clamp<i128>(hi, INT64_MIN, INT64_MAX));
  if (lo > hi) out.lo = 0, out.hi = -1;
  return true;
}

// Fills everything of meta[pc] except wait_begin (the caller places the waits).
void fill_meta(const arch::ChipConfig& chip, PreparedStream& ps, uint32_t pc) {
  const isa::Instr& in = ps.code[pc];
  Meta& m = ps.meta[pc];
  const bool had_slot = m.has_cost && m.kind != Kind::Tensor;  // (refresh) a slot in `costs`
  m.op = in.op;
  m.num_waits = in.num_waits;
  m.signal = in.signal;
  m.signal_core = in.signal >= 0 && in.signal_core >= 0 && uint32_t(in.signal_core) != ps.core ? in.signal_core : -1;
  m.reg_relative = false;
  for (const auto& t : in.t) m.reg_relative |= t.used() && t.offset_reg >= 0;
  m.kind = isa::op_info(in.op).kind;
  // (collectives: the engine reads the instruction when the group meets)
  m.reads_instr = m.reg_relative || kTimingHookTable[size_t(in.op)] || m.kind == Kind::Collective;
  if (m.kind == Kind::Tensor) {  // prepare_pe: the cost depends on the held stationary
    m.has_cost = false;
    return;
  }
  CostCtx cctx{&chip, {}, nullptr, ps.stream};
  const Cost c = kCostTable[size_t(in.op)](in, cctx);
  m.dur_ps = ns_to_ps(m.kind == Kind::Dma ? c.dma_fixed_ns : c.busy_ns);
  const bool keep = m.kind == Kind::Dma || m.kind == Kind::Collective || c.flops != 0 || c.hbm_read_bytes || c.hbm_write_bytes;
  if (keep && !had_slot) {  // (a refreshed instruction may need a slot it had no use for)
    m.cost_index = uint32_t(ps.costs.size());
    ps.costs.push_back(c);
  } else if (keep) {
    ps.costs[m.cost_index] = c;
  }
  m.has_cost = keep;
  m.compact_bounds = false;
  if (m.kind == Kind::Dma && m.reg_relative) {
    if (ps.bounds.size() < ps.costs.size()) ps.bounds.resize(ps.costs.size());
    m.compact_bounds = make_reg_range(chip, in, ps.bounds[m.cost_index]);
  }
}

// Tensor-engine costs of a PE stream: both variants of every op with a HELD operand (the
// stationary held or not: with and without Cost::ls_ns) straight from its cost function,
// and stationaries interned by same_stationary equality.
void prepare_pe(const arch::ChipConfig& chip, PreparedStream& ps) {
  ps.pe.clear();
  ps.pe_dynamic = false;
  for (uint32_t pc = 0; pc < ps.size; ++pc) {
    const int held = isa::op_info(ps.code[pc].op).held_slot;
    if (held >= 0 && ps.code[pc].t[held].offset_reg >= 0) ps.pe_dynamic = true;
  }
  std::vector<TensorEngineState> interned;
  std::unordered_map<uint64_t, std::vector<uint32_t>> by_key;
  for (uint32_t pc = 0; pc < ps.size; ++pc) {
    Meta& m = ps.meta[pc];
    if (m.kind != Kind::Tensor) continue;
    if (ps.pe_dynamic) {
      m.reads_instr = true;
      m.has_cost = false;
      continue;
    }
    const isa::Instr& in = ps.code[pc];
    PeCost pc_cost;
    CostCtx miss{&chip, {}, nullptr, ps.stream};
    const Cost c = kCostTable[size_t(in.op)](in, miss);
    pc_cost.busy_miss = c.busy_ns;
    pc_cost.flops = c.flops;
    pc_cost.busy_hit = c.busy_ns - c.ls_ns;  // the same without its LoadStationary
    if (const int held_slot = isa::op_info(in.op).held_slot; held_slot >= 0) {
      const isa::TensorRef& st = in.t[held_slot];
      TensorEngineState held{true, st, st.offset};
      auto& bucket = by_key[st.offset * 1000003u ^ (uint64_t(st.part_count) << 8) ^ uint64_t(st.dtype)];
      for (uint32_t id : bucket)
        if (same_stationary(interned[id], st, st.offset)) pc_cost.stationary = id;
      if (pc_cost.stationary == PeCost::kNoStationary) {
        pc_cost.stationary = uint32_t(interned.size());
        bucket.push_back(pc_cost.stationary);
        interned.push_back(held);
      }
    }
    m.reads_instr = m.reg_relative;
    m.has_cost = true;
    m.cost_index = uint32_t(ps.pe.size());
    ps.pe.push_back(pc_cost);
  }
}

void place_waits(PreparedStream& ps) {
  ps.waits.clear();
  for (uint32_t pc = 0; pc < ps.size; ++pc) {
    const isa::Instr& in = ps.code[pc];
    ps.meta[pc].wait_begin = uint32_t(ps.waits.size());
    ps.waits.insert(ps.waits.end(), in.waits.begin(), in.waits.begin() + in.num_waits);
  }
}

}  // namespace

void prepare_executable(const arch::ChipConfig& chip, const isa::Executable& exe, bool validate,
                        PreparedExe& p) {
  p.exe = &exe;
  p.chip = &chip;
  size_t n = 0;
  for (size_t c = 0; c < exe.cores.size(); ++c)
    for (size_t s = 0; s < exe.cores[c].streams.size(); ++s) {
      const auto& code = exe.cores[c].streams[s];
      if (code.empty()) continue;
      if (p.streams.size() <= n) p.streams.emplace_back();
      PreparedStream& ps = p.streams[n++];  // reused: its vectors keep their capacity
      if (ps.name.empty() || ps.core != c || ps.stream != s)
        ps.name = fmt::format("core{}.{}", c, isa::stream_name(uint32_t(s)));
      ps.core = uint32_t(c);
      ps.stream = uint32_t(s);
      ps.exe_cores = uint32_t(exe.cores.size());
      ps.dma_engine = s >= isa::kNumFixedStreams
                          ? uint32_t(c) * chip.dma.engines_per_core +
                                uint32_t(s - isa::kNumFixedStreams) % chip.dma.engines_per_core
                          : 0;
      ps.code = code.data();
      ps.size = uint32_t(code.size());
      ps.meta.assign(code.size(), Meta{});
      ps.waits.clear();
      ps.costs.clear();
      ps.bounds.clear();
      // One pass: each Instr is read from memory once (validated, checked, precomputed).
      for (uint32_t pc = 0; pc < ps.size; ++pc) {
        if (validate) isa::validate_stream_instr(code, ps.stream, chip, ps.core, pc);
        check_indices(chip, ps, pc);
        fill_meta(chip, ps, pc);
        const isa::Instr& in = code[pc];
        ps.meta[pc].wait_begin = uint32_t(ps.waits.size());
        ps.waits.insert(ps.waits.end(), in.waits.begin(), in.waits.begin() + in.num_waits);
      }
      for (uint32_t pc = 0; pc + 1 < ps.size; ++pc)
        ps.meta[pc].next_control = ps.meta[pc + 1].kind == Kind::Control;
      if (ps.stream == uint32_t(isa::Stream::PE)) prepare_pe(chip, ps);
    }
  p.streams.resize(n);
}

PreparedExe prepare_executable(const arch::ChipConfig& chip, const isa::Executable& exe) {
  PreparedExe p;
  prepare_executable(chip, exe, false, p);
  return p;
}

void prepare_instr(const arch::ChipConfig& chip, PreparedStream& ps, uint32_t pc) {
  check_indices(chip, ps, pc);
  const uint8_t old_waits = ps.meta[pc].num_waits;
  fill_meta(chip, ps, pc);
  if (pc > 0) ps.meta[pc - 1].next_control = ps.meta[pc].kind == Kind::Control;
  if (ps.stream == uint32_t(isa::Stream::PE)) prepare_pe(chip, ps);
  const isa::Instr& in = ps.code[pc];
  if (in.num_waits != old_waits) {
    place_waits(ps);
    return;
  }
  std::copy(in.waits.begin(), in.waits.begin() + in.num_waits, ps.waits.begin() + ps.meta[pc].wait_begin);
}

}  // namespace npulab::sim
