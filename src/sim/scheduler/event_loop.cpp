// Discrete-event scheduler (see event_loop.h and docs/SIMULATOR.md).
//
// Invariant: a stream that is neither done nor blocked has exactly one live event in the
// heap (its completion, or the time its sequencer is free). A blocked stream has none;
// it sits in the waiter list of the semaphore of its first unmet wait and gets an event
// when that semaphore is incremented. DMA transfers first get an activation event (after
// the fixed latency); their completion time then moves whenever the bandwidth shares
// change (bandwidth.h), so a stream's events carry a generation and stale ones are
// skipped.
//
// Control ops (reg_set, reg_add, branch_lt, jump, nop) are interpreted here and occupy
// the stream's sequencer for their cost. While a data instruction is in flight the
// sequencer runs ahead through the signal-free control ops that follow it (as long as
// their waits already hold and it stays within the data op's duration), so loop
// bookkeeping hides behind the loop body, as on a real engine sequencer.
#include "sim/scheduler/event_loop.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "common/error.h"
#include "isa/asm.h"
#include "sim/race/detector.h"
#include "sim/scheduler/bandwidth.h"
#include "sim/scheduler/dispatch.h"
#include "sim/scheduler/event_heap.h"
#include "sim/scheduler/footprint.h"
#include "sim/trace/chrome_trace.h"

namespace npulab::sim {

namespace {

using isa::Instr;
using isa::Opcode;

enum class Kind : uint8_t { Control, Stream, Pe, Dma };

// Precomputed per static instruction: its kind and, except on the PE (whose cost depends
// on the stationary the array holds), its cost, which depends only on operand shapes.
struct Meta {
  Cost cost;
  Kind kind = Kind::Control;
  bool reg_relative = false;  // some operand has offset_reg >= 0: bounds checked at run time
  // Copies of the Instr fields every issue needs, so that a race-free timing-only run of
  // an instruction without waits never touches its (432-byte, cache-missing) Instr.
  uint8_t num_waits = 0;
  int16_t signal = -1;
  uint32_t wait_begin = 0;  // this instruction's waits: StreamRt::waits[wait_begin ..]
};

struct StreamRt {
  const Instr* code = nullptr;
  const Meta* meta = nullptr;
  const isa::SemWait* waits = nullptr;  // dense copy of the stream's waits (see Meta)
  uint32_t size = 0, core = 0, stream = 0, pc = 0;
  uint32_t dma_engine = 0;     // global DMA engine index (DMA queues only)
  int64_t* regs = nullptr;
  int64_t seq_at = 0;          // ps: the sequencer is free from here on
  int64_t complete_at = 0;     // ps: completion of the in-flight instruction
  int32_t pending_signal = -1;
  uint32_t gen = 0;            // generation of the live event (older events are stale)
  bool in_flight = false, blocked = false, done = false;
  bool dma_active = false;     // DMA transfer registered with the bandwidth model
  int64_t issue_at = 0;        // ps: issue of the in-flight DMA (for stats and trace)
  uint32_t dma_pc = 0;         // pc of the in-flight DMA
  Cost dma_cost;               // cost of the in-flight DMA
  // The DMA completion event physically in the heap (see apply_dma_changes): its time,
  // and the sequence number reserved for complete_at when it moved later.
  bool dma_ev_live = false;
  int64_t dma_ev_t = 0;
  uint64_t complete_seq = 0;
  int64_t busy_ps = 0;
  uint64_t instrs = 0;
  ExecCtx ectx;
  CostCtx cctx;
};

struct CoreRt {
  std::vector<int64_t> sems;
  // Per semaphore: blocked global stream ids with the value they wait for, in blocking
  // order. A signal wakes only the waiters it satisfies (waking the others would only
  // make them re-check and re-block: with many DMA queues waiting on one semaphore that
  // was most of the host time); the woken ones keep their relative order.
  struct Waiter {
    uint32_t g;
    int64_t target;
  };
  std::vector<std::vector<Waiter>> waiters;
  TensorEngineState pe;
};

struct Ev {
  int64_t t;
  uint64_t seq;
  uint32_t g;
  uint32_t gen;       // stream events: must equal the stream's gen to be live
  bool activate_dma;  // DMA transfer start (after the fixed latency)
};
struct EvEarlier {
  bool operator()(const Ev& a, const Ev& b) const { return a.t != b.t ? a.t < b.t : a.seq < b.seq; }
};

int64_t ns_to_ps(double ns) { return std::max<int64_t>(1, std::llround(ns * 1000.0)); }

std::string where(const isa::Executable& exe, uint32_t core, uint32_t stream, uint32_t pc) {
  return fmt::format("core{}.{}[{}] `{}`", core, isa::stream_name(stream), pc,
                     isa::to_text(exe.cores[core].streams[stream][pc]));
}

class Runner {
 public:
  Runner(const arch::ChipConfig& chip, Mode mode, const ChipMemories& mem,
         const isa::Executable& exe, const SimOptions& opts)
      : chip_(chip), mode_(mode), exe_(exe), opts_(opts),
        dma_(uint32_t(exe.cores.size()) * chip.dma.engines_per_core, chip.hbm.bandwidth_gbps) {
    setup(mem);
  }

  SimResult run();

 private:
  void setup(const ChipMemories& mem);
  void push(int64_t t, uint32_t g) { heap_.push(Ev{t, seq_++, g, streams_[g].gen, false}); }
  void apply_dma_changes();
  void finish_dma(uint32_t g, int64_t now);
  // Index of the first wait of the instruction at s.pc that does not hold, or -1.
  int unmet_wait(const StreamRt& s, const Meta& m) const;
  int64_t wait_target(const StreamRt& s, const isa::SemWait& w) const {
    return w.value + (w.reg >= 0 ? s.regs[w.reg] * w.reg_scale : 0);
  }
  void joins(const StreamRt& s, const Instr& in) {
    if (!races_) return;
    for (uint32_t i = 0; i < in.num_waits; ++i)
      races_->on_wait(s.core, s.stream, in.waits[i].sem, wait_target(s, in.waits[i]));
  }
  void count_instr(uint32_t g) {
    ++streams_[g].instrs;
    if (opts_.max_instructions && ++executed_ > opts_.max_instructions)
      fail("simulation exceeded max_instructions = {} (runaway loop?) at {}", opts_.max_instructions,
           where(exe_, streams_[g].core, streams_[g].stream, streams_[g].pc));
  }
  void exec_control(StreamRt& s, const Instr& in);
  void process(const Ev& ev);
  void advance(uint32_t g, int64_t now);
  void issue_data(uint32_t g, int64_t now);
  void signal(uint32_t g, uint32_t sem, int64_t now);
  [[noreturn]] void deadlock(int64_t now) const;

  const arch::ChipConfig& chip_;
  Mode mode_;
  const isa::Executable& exe_;
  const SimOptions& opts_;
  DmaFluid dma_;
  std::vector<StreamRt> streams_;
  std::vector<std::vector<Meta>> metas_;
  std::vector<std::vector<isa::SemWait>> waits_;
  std::vector<std::vector<int64_t>> regfiles_;
  std::vector<CoreRt> cores_;
  QuadHeap<Ev, EvEarlier> heap_;
  uint64_t seq_ = 0, executed_ = 0;
  int64_t end_ps_ = 0;
  double flops_ = 0, hbm_read_ = 0, hbm_write_ = 0;
  std::optional<race::RaceDetector> races_;
  std::optional<trace::ChromeTrace> trace_;
};

void Runner::setup(const ChipMemories& mem) {
  const uint32_t nsem = chip_.semaphores_per_core, nreg = chip_.registers_per_engine;
  cores_.resize(exe_.cores.size());
  for (size_t c = 0; c < exe_.cores.size(); ++c) {
    cores_[c].sems.assign(nsem, 0);
    cores_[c].waiters.resize(nsem);
  }
  const bool functional = mode_ == Mode::Functional;
  metas_.resize(0);
  for (size_t c = 0; c < exe_.cores.size(); ++c) {
    for (size_t s = 0; s < exe_.cores[c].streams.size(); ++s) {
      const auto& code = exe_.cores[c].streams[s];
      if (code.empty()) continue;
      StreamRt rt;
      rt.code = code.data();
      rt.size = uint32_t(code.size());
      rt.core = uint32_t(c);
      rt.stream = uint32_t(s);
      if (s >= isa::kNumFixedStreams)
        rt.dma_engine = uint32_t(c) * chip_.dma.engines_per_core +
                        uint32_t(s - isa::kNumFixedStreams) % chip_.dma.engines_per_core;
      std::vector<Meta> meta(code.size());
      std::vector<isa::SemWait> waits;
      CostCtx cctx{&chip_, {}, nullptr, uint32_t(s)};
      for (size_t pc = 0; pc < code.size(); ++pc) {
        const Instr& in = code[pc];
        Meta& m = meta[pc];
        // Defensive checks of what the scheduler indexes with (validation covers the
        // rest), in the same pass as the Meta so each Instr is read from memory once.
        auto bad = [&](const char* what) {
          fail("{}: {}", where(exe_, uint32_t(c), uint32_t(s), pc), what);
        };
        if (in.num_waits > isa::kMaxWaits) bad("too many semaphore waits");
        for (uint32_t w = 0; w < in.num_waits; ++w) {
          if (in.waits[w].sem >= nsem) bad("wait on a semaphore the core does not have");
          if (in.waits[w].reg >= int(nreg)) bad("wait uses a register the engine does not have");
        }
        if (in.signal >= int(nsem)) bad("signal of a semaphore the core does not have");
        if (((is_control(in.op) && in.op != Opcode::nop && in.op != Opcode::jump) || in.op == Opcode::reg_load) &&
            in.reg0 >= nreg)
          bad("register does not exist");
        for (const auto& t : in.t)
          if (t.used() && t.offset_reg >= int(nreg)) bad("offset register does not exist");
        for (const auto& t : in.t) m.reg_relative |= t.used() && t.offset_reg >= 0;
        m.num_waits = in.num_waits;
        m.signal = in.signal;
        m.wait_begin = uint32_t(waits.size());
        waits.insert(waits.end(), in.waits.begin(), in.waits.begin() + in.num_waits);
        if (is_control(in.op))
          m.kind = Kind::Control;
        else if (in.op == Opcode::matmul || in.op == Opcode::transpose)
          m.kind = Kind::Pe;
        else if (in.op == Opcode::dma_copy)
          m.kind = Kind::Dma;
        else
          m.kind = Kind::Stream;
        if (m.kind != Kind::Pe) m.cost = kCostTable[size_t(in.op)](in, cctx);
      }
      metas_.push_back(std::move(meta));
      waits_.push_back(std::move(waits));
      regfiles_.emplace_back(nreg, 0);
      streams_.push_back(rt);
    }
  }
  for (size_t g = 0; g < streams_.size(); ++g) {
    StreamRt& s = streams_[g];
    s.meta = metas_[g].data();
    s.waits = waits_[g].data();
    s.regs = regfiles_[g].data();
    const std::span<const int64_t> regs(regfiles_[g].data(), regfiles_[g].size());
    s.cctx = CostCtx{&chip_, regs, s.stream == uint32_t(isa::Stream::PE) ? &cores_[s.core].pe : nullptr,
                     s.stream};
    CoreMemories cm;
    cm.hbm = mem.hbm;
    if (functional) {
      cm.sbuf = mem.sbuf[s.core];
      cm.psum = mem.psum[s.core];
    }
    s.ectx = ExecCtx{&chip_, cm, regs, s.core, s.stream, s.regs};
  }
  if (opts_.check_races) races_.emplace(exe_, chip_);
  if (!opts_.trace_path.empty()) {
    trace_.emplace();
    trace_->reserve(std::min<uint64_t>(exe_.num_instrs(), 1u << 20));
  }
}

int Runner::unmet_wait(const StreamRt& s, const Meta& m) const {
  const auto& sems = cores_[s.core].sems;
  const isa::SemWait* ws = s.waits + m.wait_begin;
  for (uint32_t i = 0; i < m.num_waits; ++i)
    if (sems[ws[i].sem] < wait_target(s, ws[i])) return int(i);
  return -1;
}

void Runner::exec_control(StreamRt& s, const Instr& in) {
  if ((in.op == Opcode::branch_lt || in.op == Opcode::jump) &&
      (in.iimm1 < 0 || in.iimm1 > int64_t(s.size)))
    fail("{}: branch target {} is outside the stream (0..{})", where(exe_, s.core, s.stream, s.pc),
         in.iimm1, s.size);
  switch (in.op) {
    case Opcode::reg_set: s.regs[in.reg0] = in.iimm0; ++s.pc; break;
    case Opcode::reg_add:  // wraps like the hardware's fixed-width registers (no UB)
      s.regs[in.reg0] = int64_t(uint64_t(s.regs[in.reg0]) + uint64_t(in.iimm0));
      ++s.pc;
      break;
    case Opcode::branch_lt: s.pc = s.regs[in.reg0] < in.iimm0 ? uint32_t(in.iimm1) : s.pc + 1; break;
    case Opcode::jump: s.pc = uint32_t(in.iimm1); break;
    default: ++s.pc; break;
  }
}

void Runner::signal(uint32_t g, uint32_t sem, int64_t now) {
  StreamRt& s = streams_[g];
  CoreRt& core = cores_[s.core];
  ++core.sems[sem];
  if (races_) races_->on_signal(s.core, s.stream, sem);
  const int64_t value = core.sems[sem];
  auto& ws = core.waiters[sem];
  size_t keep = 0;
  for (const CoreRt::Waiter& w : ws) {
    if (w.target <= value) {
      streams_[w.g].blocked = false;
      push(now, w.g);
    } else {
      ws[keep++] = w;
    }
  }
  ws.resize(keep);
}

void Runner::apply_dma_changes() {
  // Every change of a completion time takes the next sequence number, so the event order
  // is exactly that of re-queuing an event at each change. But when the completion moves
  // later than the event already queued, that event is kept and, when it comes up early,
  // re-queued with the reserved (time, sequence) key (process()): pop order is unchanged,
  // and a transfer whose share shrinks several times costs one heap entry, not several.
  for (const auto& [g, fin_ns] : dma_.changed()) {
    StreamRt& s = streams_[g];
    s.complete_at = std::max(s.issue_at + 1, int64_t(std::ceil(fin_ns * 1000.0)));
    s.complete_seq = seq_++;
    if (s.dma_ev_live && s.complete_at > s.dma_ev_t) continue;
    ++s.gen;
    heap_.push(Ev{s.complete_at, s.complete_seq, g, s.gen, false});
    s.dma_ev_live = true;
    s.dma_ev_t = s.complete_at;
  }
}

void Runner::finish_dma(uint32_t g, int64_t now) {
  StreamRt& s = streams_[g];
  s.dma_active = false;
  s.dma_ev_live = false;
  dma_.finish(g, double(now) / 1000.0);
  apply_dma_changes();
  s.busy_ps += now - s.issue_at;
  if (trace_)
    trace_->add({s.core, s.stream, s.dma_pc, s.issue_at, now - s.issue_at, s.dma_cost.dma_bytes, 0});
}

void Runner::process(const Ev& ev) {
  const uint32_t g = ev.g;
  const int64_t now = ev.t;
  StreamRt& s = streams_[g];
  if (ev.activate_dma) {
    dma_.start(g, s.dma_engine, double(now) / 1000.0, s.dma_cost.busy_ns,
               double(s.dma_cost.hbm_read_bytes + s.dma_cost.hbm_write_bytes));
    s.dma_active = true;
    apply_dma_changes();
    return;
  }
  if (ev.gen != s.gen) return;  // superseded completion estimate
  if (s.dma_ev_live && now < s.complete_at) {  // completion moved later: re-queue
    heap_.push(Ev{s.complete_at, s.complete_seq, g, s.gen, false});
    s.dma_ev_t = s.complete_at;
    return;
  }
  if (s.in_flight && now >= s.complete_at) {
    if (s.dma_active) finish_dma(g, now);
    s.in_flight = false;
    if (s.pending_signal >= 0) {
      const int32_t sem = s.pending_signal;
      s.pending_signal = -1;
      signal(g, uint32_t(sem), now);
    }
  }
  advance(g, now);
}

// Issue instructions of stream g at time `now` until it has something in flight, must
// wait for a semaphore or its sequencer, or is done.
void Runner::advance(uint32_t g, int64_t now) {
  StreamRt& s = streams_[g];
  while (true) {
    if (s.pc >= s.size) {
      s.done = true;
      end_ps_ = std::max(end_ps_, std::max(now, s.seq_at));
      return;
    }
    if (s.seq_at > now) {  // sequencer still busy with a control op
      push(s.seq_at, g);
      return;
    }
    const Instr& in = s.code[s.pc];
    const Meta& m = s.meta[s.pc];
    if (const int w = m.num_waits ? unmet_wait(s, m) : -1; w >= 0) {
      s.blocked = true;
      const isa::SemWait& sw = s.waits[m.wait_begin + uint32_t(w)];
      cores_[s.core].waiters[sw.sem].push_back({g, wait_target(s, sw)});
      return;
    }
    joins(s, in);
    if (m.kind != Kind::Control) {
      issue_data(g, now);
      return;
    }
    // Control op on an idle datapath: occupies the sequencer for its cost.
    count_instr(g);
    const int64_t dur = ns_to_ps(m.cost.busy_ns);
    s.busy_ps += dur;
    s.seq_at = now + dur;
    if (m.signal >= 0) {
      if (races_) races_->on_issue(s.core, s.stream, s.pc, in, nullptr);
      if (trace_) trace_->add({s.core, s.stream, s.pc, now, dur, 0, 0});
      exec_control(s, in);
      s.in_flight = true;
      s.complete_at = s.seq_at;
      s.pending_signal = m.signal;
      push(s.complete_at, g);
      return;
    }
    exec_control(s, in);
  }
}

void Runner::issue_data(uint32_t g, int64_t now) {
  StreamRt& s = streams_[g];
  const Instr& in = s.code[s.pc];
  const Meta& m = s.meta[s.pc];
  count_instr(g);
  uint64_t offs[4] = {0, 0, 0, 0};
  Cost cost;
  try {
    // Static operands were bounds-checked by validation; their offsets are only needed
    // by the race detector, so a race-free timing run skips reading them.
    if (m.reg_relative || races_)
      for (int i = 0; i < 4; ++i) {
        const isa::TensorRef& t = in.t[i];
        if (!t.used()) continue;
        offs[i] = t.offset;
        if (t.offset_reg >= 0) {
          offs[i] = operand_offset(t, s.ectx.regs, "operand");
          check_operand_bounds(t, offs[i], chip_, fmt::format("operand t{}", i));
        }
      }
    cost = m.kind == Kind::Pe ? kCostTable[size_t(in.op)](in, s.cctx) : m.cost;
    if (races_) races_->on_issue(s.core, s.stream, s.pc, in, offs);
    if (mode_ == Mode::Functional) kSemTable[size_t(in.op)](in, s.ectx);
    else if (in.op == Opcode::reg_load) s.regs[in.reg0] = 0;  // no values: defined as 0 (docs/ISA.md)
  } catch (const Error& e) {
    fail("{} at t = {} ns: {}", where(exe_, s.core, s.stream, s.pc), double(now) / 1000.0, e.what());
  }
  flops_ += cost.flops;
  hbm_read_ += double(cost.hbm_read_bytes);
  hbm_write_ += double(cost.hbm_write_bytes);
  s.in_flight = true;
  s.pending_signal = m.signal;
  int64_t end;
  if (m.kind == Kind::Dma) {
    // Transfer starts after the fixed latency; its end comes from the bandwidth model.
    s.issue_at = now;
    s.dma_pc = s.pc;
    s.dma_cost = cost;
    s.complete_at = INT64_MAX;
    end = now + ns_to_ps(cost.dma_fixed_ns);
    heap_.push(Ev{end, seq_++, g, 0, true});
  } else {
    end = now + ns_to_ps(cost.busy_ns);
    s.busy_ps += end - now;
    if (trace_) trace_->add({s.core, s.stream, s.pc, now, end - now, 0, cost.flops});
    s.complete_at = end;
  }
  ++s.pc;
  // Sequencer run-ahead through signal-free control ops hidden behind this instruction.
  s.seq_at = now;
  while (s.pc < s.size && s.meta[s.pc].kind == Kind::Control && s.seq_at < end) {
    const Instr& c = s.code[s.pc];
    const Meta& cm = s.meta[s.pc];
    if (cm.signal >= 0 || (cm.num_waits && unmet_wait(s, cm) >= 0)) break;
    joins(s, c);
    count_instr(g);
    const int64_t dur = ns_to_ps(s.meta[s.pc].cost.busy_ns);
    s.busy_ps += std::max<int64_t>(0, s.seq_at + dur - std::max(s.seq_at, end));
    s.seq_at += dur;
    exec_control(s, c);
  }
  if (m.kind != Kind::Dma) push(end, g);
}

void Runner::deadlock(int64_t now) const {
  std::string msg = fmt::format(
      "deadlock at t = {} ns: no instruction in flight and these streams wait forever:",
      double(now) / 1000.0);
  for (const StreamRt& s : streams_) {
    if (s.done || !s.blocked) continue;
    const Instr& in = s.code[s.pc];
    const int w = unmet_wait(s, s.meta[s.pc]);
    const isa::SemWait& sw = in.waits[w < 0 ? 0 : w];
    msg += fmt::format("\n  {} waits for sem {} >= {} (sem {} = {})",
                       where(exe_, s.core, s.stream, s.pc), sw.sem, wait_target(s, sw), sw.sem,
                       cores_[s.core].sems[sw.sem]);
  }
  throw Error(msg);
}

SimResult Runner::run() {
  for (uint32_t g = 0; g < streams_.size(); ++g) push(0, g);
  int64_t now = 0;
  while (!heap_.empty()) {
    const Ev ev = heap_.top();
    heap_.pop();
    now = ev.t;
    process(ev);
  }
  for (const StreamRt& s : streams_)
    if (!s.done) deadlock(now);

  SimResult r;
  r.total_ns = double(end_ps_) / 1000.0;
  r.flops = flops_;
  r.hbm_bytes_read = hbm_read_;
  r.hbm_bytes_written = hbm_write_;
  for (const StreamRt& s : streams_) {
    r.instrs += s.instrs;
    r.streams.push_back({s.core, s.stream,
                         fmt::format("core{}.{}", s.core, isa::stream_name(s.stream)),
                         double(s.busy_ps) / 1000.0, s.instrs});
  }
  if (races_) r.races = races_->reports();
  if (trace_) trace_->write(opts_.trace_path, exe_);
  return r;
}

}  // namespace

SimResult run_schedule(const arch::ChipConfig& chip, Mode mode, const ChipMemories& mem,
                       const isa::Executable& exe, const SimOptions& opts) {
  Runner runner(chip, mode, mem, exe, opts);
  return runner.run();
}

}  // namespace npulab::sim
