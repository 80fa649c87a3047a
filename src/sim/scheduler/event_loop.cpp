// Discrete-event scheduler (see event_loop.h and docs/SIMULATOR.md).
//
// Invariant: a stream that is neither done nor blocked nor transferring has exactly one
// event in the heap (its completion, or the time its sequencer is free). A blocked stream
// has none; it sits in the waiter list of the semaphore of its first unmet wait and gets
// an event when that semaphore is incremented. A DMA gets an activation event (after the
// fixed latency); its transfer then belongs to the bandwidth model (bandwidth.h), whose
// finish times move whenever the shares change. The heap holds one completion event per
// DMA engine (its earliest finish); engine events carry a generation and stale ones are
// skipped.
//
// Control ops (K_CONTROL rows of opcodes.def: registers, branches, nop) run their
// semantics here, in every mode, and occupy the stream's sequencer for their cost. While a data instruction is in flight the
// sequencer runs ahead through the signal-free control ops that follow it (as long as
// their waits already hold and it stays within the data op's duration), so loop
// bookkeeping hides behind the loop body, as on a real engine sequencer.
#include "sim/scheduler/event_loop.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "common/checked.h"
#include "common/error.h"
#include "isa/asm.h"
#include "sim/collective/engine.h"
#include "sim/collective/semantics.h"
#include "sim/race/detector.h"
#include "sim/scheduler/comm_overlap.h"
#include "sim/scheduler/bandwidth.h"
#include "sim/scheduler/dispatch.h"
#include "sim/scheduler/event_heap.h"
#include "isa/access_pattern.h"
#include "sim/scheduler/pe_pipeline.h"
#include "sim/scheduler/prepared.h"
#include "sim/trace/chrome_trace.h"

namespace npulab::sim {

namespace {

using isa::Instr;

struct StreamRt {
  const Instr* code = nullptr;
  const Meta* meta = nullptr;           // prepared.h: a race-free timing-only issue of an
  const isa::SemWait* waits = nullptr;  // instruction with static operands reads only these
  const Cost* costs = nullptr;          // and never the (432-byte) Instr
  const RegRange* bounds = nullptr;     // in-bounds register values of register-relative DMAs
  const PeCost* pe = nullptr;
  uint32_t size = 0, core = 0, stream = 0, pc = 0;
  uint32_t dma_engine = 0;     // global DMA engine index (DMA queues only)
  int64_t* regs = nullptr;
  int64_t seq_at = 0;          // ps: the sequencer is free from here on
  int64_t complete_at = 0;     // ps: completion of the in-flight instruction
  int32_t pending_signal = -1;
  uint32_t pending_core = 0;   // core whose semaphore pending_signal is
  bool in_flight = false, blocked = false, done = false;
  bool in_collective = false;  // the in-flight instruction is a collective (CommOverlap)
  int64_t issue_at = 0;        // ps: issue of the in-flight DMA (for stats and trace)
  uint32_t dma_pc = 0;         // pc of the in-flight DMA
  const Cost* dma_cost = nullptr;  // cost of the in-flight DMA
  int64_t busy_ps = 0;
  uint64_t instrs = 0;
  ExecCtx ectx;
  CostCtx cctx;
};

struct CoreRt {
  std::vector<int64_t> sems;
  // Per semaphore: the blocked global stream ids sorted by the value they wait for (ties:
  // blocking order). A signal wakes only the waiters it satisfies, in blocking order
  // (waking the others would only make them re-check and re-block: with many DMA queues
  // waiting on one semaphore that was most of the host time). Semaphores only grow by 1
  // and a stream blocks only while sem < target, so the waiters a signal satisfies are
  // exactly those at the front whose target equals the new value. Streams mostly block
  // in increasing target order, so insertion is usually an append.
  struct Waiter {
    int64_t target;
    uint32_t g;
  };
  struct WaitList {
    std::vector<Waiter> v;
    size_t head = 0;  // v[head..] are waiting
    void add(Waiter w) {  // after the last waiter with target <= w.target
      auto it = v.end();
      while (it != v.begin() + ptrdiff_t(head) && (it - 1)->target > w.target) --it;
      v.insert(it, w);
    }
  };
  std::vector<WaitList> waiters;
  TensorEngineState pe;  // PE streams with register-relative stationaries (pe_dynamic)
  uint32_t held_stationary = PeCost::kNoStationary;  // the others: interned id (prepared.h)
  PePipeline pe_pipe;    // background LoadStationary (pe_pipeline.h)
  SemHistory sem_times;  // when the semaphores reached their recent values
};

// Per DMA engine: its completion event (the earliest finish among its transfers).
struct EngineRt {
  uint32_t gen = 0;      // generation of the live event (older events are stale)
  bool ev_live = false;  // an event of this generation is in the heap, at ev_t
  int64_t ev_t = 0;
  int64_t due = 0;       // ps: the engine's next finish; due_seq: its reserved sequence
  uint64_t due_seq = 0;
};

enum class EvKind : uint8_t { Stream, DmaStart, DmaEngine, CollectiveStep };
struct Ev {
  int64_t t;
  uint64_t seq;
  uint32_t id;   // stream (Stream, DmaStart), DMA engine (DmaEngine) or collective (CollectiveStep)
  uint32_t gen;  // DmaEngine: must equal the engine's gen to be live
  EvKind kind;
};
struct EvEarlier {
  // Branch-free: which of two events comes first is unpredictable.
  bool operator()(const Ev& a, const Ev& b) const { return (a.t < b.t) | ((a.t == b.t) & (a.seq < b.seq)); }
};

std::string where(const isa::Executable& exe, uint32_t core, uint32_t stream, uint32_t pc) {
  return fmt::format("core{}.{}[{}] `{}`", core, isa::stream_name(stream), pc,
                     isa::to_text(exe.cores[core].streams[stream][pc]));
}

class Runner {
 public:
  Runner(Mode mode, const ChipMemories& mem, const PreparedExe& prog, const SimOptions& opts)
      : chip_(*prog.chip), mode_(mode), exe_(*prog.exe), prog_(prog), opts_(opts), dma_(0, 0, 0),
        max_instrs_(opts.max_instructions ? opts.max_instructions : UINT64_MAX),
        max_ps_(opts.max_sim_ns > 0 && opts.max_sim_ns * 1000.0 < double(kMaxTimePs)
                    ? saturating_round<int64_t>(opts.max_sim_ns * 1000.0)
                    : kMaxTimePs) {
    setup(mem);
  }

  SimResult run();

 private:
  void setup(const ChipMemories& mem);
  void push(int64_t t, uint32_t g) { heap_.push(Ev{t, seq_++, g, 0, EvKind::Stream}); }
  void apply_dma_changes();
  void engine_event(const Ev& ev);
  void complete(uint32_t g, int64_t now);
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
  // The budgets (SimOptions): one counter compare per instruction, one time compare per
  // event.
  void count_instr(uint32_t g) {
    ++streams_[g].instrs;
    if (++executed_ > max_instrs_) [[unlikely]] runaway(g, streams_[g].pc, -1);
  }
  void check_time(uint32_t g, uint32_t pc, int64_t now) const {
    if (now > max_ps_) [[unlikely]] runaway(g, pc, now);
  }
  // now < 0: the instruction budget ran out at pc.
  [[noreturn]] void runaway(uint32_t g, uint32_t pc, int64_t now) const;
  void exec_control(StreamRt& s, const Instr& in);
  void process(const Ev& ev);
  void advance(uint32_t g, int64_t now);
  void issue_data(uint32_t g, int64_t now);
  int64_t pe_duration(const StreamRt& s, const Meta& m, int64_t now);
  // Collectives (sim/collective/engine.h): a participant issues; all have: data, races, first
  // step; a step's transfers finished; the last step finished: every participant completes.
  void issue_collective(uint32_t g, int64_t now);
  void collective_ready(uint32_t id, int64_t now);
  void collective_transfer_done(uint32_t xfer, int64_t now);
  void collective_done(uint32_t id, int64_t now);
  // Start time of a DMA transfer (a stream's DMA or a collective's piece), for its finish.
  int64_t transfer_start_ps(uint32_t id) const {
    return id < streams_.size() ? streams_[id].issue_at : coll_->xfer_started_ps(id);
  }
  // Stream g's completed instruction increments semaphore `sem` of core `core` (its own
  // core, or another one: cross-core signals) and wakes the waiters it satisfies.
  void signal(uint32_t g, uint32_t core, uint32_t sem, int64_t now);
  [[noreturn]] void deadlock(int64_t now) const;

  const arch::ChipConfig& chip_;
  Mode mode_;
  const isa::Executable& exe_;
  const PreparedExe& prog_;
  const SimOptions& opts_;
  DmaFluid dma_;
  std::vector<EngineRt> engines_;
  std::vector<StreamRt> streams_;
  std::vector<int64_t> regfile_;  // registers_per_engine per stream
  std::vector<CoreRt> cores_;
  EventQueue<Ev, EvEarlier> heap_;
  uint64_t seq_ = 0, executed_ = 0;
  const uint64_t max_instrs_;
  const int64_t max_ps_;
  int64_t end_ps_ = 0;
  double flops_ = 0, hbm_read_ = 0, hbm_write_ = 0;
  Cost pe_cost_;  // cost of the tensor-engine instruction being issued
  std::optional<race::RaceDetector> races_;
  std::optional<trace::ChromeTrace> trace_;
  std::optional<CollectiveEngine> coll_;
  std::optional<CommOverlap> comm_;  // programs with collectives only
};

void Runner::setup(const ChipMemories& mem) {
  const uint32_t nsem = chip_.semaphores_per_core, nreg = chip_.registers_per_engine;
  cores_.resize(exe_.cores.size());
  for (size_t c = 0; c < exe_.cores.size(); ++c) {
    cores_[c].sems.assign(nsem, 0);
    cores_[c].waiters.resize(nsem);
    cores_[c].sem_times.reset(nsem);
  }
  const bool functional = mode_ == Mode::Functional;
  streams_.resize(prog_.streams.size());
  regfile_.assign(prog_.streams.size() * nreg, 0);
  for (size_t g = 0; g < streams_.size(); ++g) {
    const PreparedStream& ps = prog_.streams[g];
    StreamRt& s = streams_[g];
    s.code = ps.code;
    s.size = ps.size;
    s.core = ps.core;
    s.stream = ps.stream;
    s.dma_engine = ps.dma_engine;
    s.meta = ps.meta.data();
    s.waits = ps.waits.data();
    s.costs = ps.costs.data();
    s.bounds = ps.bounds.data();
    s.pe = ps.pe.data();
    s.regs = regfile_.data() + g * nreg;
    const std::span<const int64_t> regs(s.regs, nreg);
    s.cctx = CostCtx{&chip_, regs, s.stream == uint32_t(isa::Stream::PE) ? &cores_[s.core].pe : nullptr,
                     s.stream};
    CoreMemories cm;
    cm.hbm = mem.hbm;
    if (functional) {
      cm.sbuf = mem.sbuf[s.core];
      cm.psum = mem.psum[s.core];
    }
    s.ectx = ExecCtx{&chip_, cm, regs, s.core, s.stream, s.regs, mem.helper, &s.pc, s.size};
  }
  const uint32_t num_engines = uint32_t(exe_.cores.size()) * chip_.dma.engines_per_core;
  coll_.emplace(chip_, exe_, uint32_t(streams_.size()));
  for (const StreamRt& s : streams_)
    if (!comm_ && std::any_of(s.meta, s.meta + s.size, [](const Meta& m) { return m.kind == Kind::Collective; }))
      comm_.emplace(uint32_t(exe_.cores.size()));
  dma_ = DmaFluid(num_engines, uint32_t(streams_.size()) + coll_->transfer_ids(), chip_.hbm.bandwidth_gbps / 1000.0);
  engines_.assign(num_engines, EngineRt{});
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

// A control op's semantics (sim/control.cpp) run in every mode, with the pc already on
// the next instruction; a branch moves it.
void Runner::exec_control(StreamRt& s, const Instr& in) {
  ++s.pc;
  try {
    kSemTable[size_t(in.op)](in, s.ectx);
  } catch (const Error& e) {
    fail("{}: {}", where(exe_, s.core, s.stream, uint32_t(&in - s.code)), e.what());
  }
}

void Runner::signal(uint32_t g, uint32_t target, uint32_t sem, int64_t now) {
  StreamRt& s = streams_[g];
  CoreRt& core = cores_[target];
  ++core.sems[sem];
  if (races_) races_->on_signal(s.core, s.stream, target, sem);
  const int64_t value = core.sems[sem];
  core.sem_times.reached(sem, value, now);
  CoreRt::WaitList& ws = core.waiters[sem];
  while (ws.head < ws.v.size() && ws.v[ws.head].target <= value) {
    const uint32_t w = ws.v[ws.head++].g;
    streams_[w].blocked = false;
    push(now, w);
  }
  if (ws.head == ws.v.size()) {
    ws.v.clear();
    ws.head = 0;
  } else if (ws.head >= 64 && 2 * ws.head >= ws.v.size()) {  // bounded memory
    ws.v.erase(ws.v.begin(), ws.v.begin() + ptrdiff_t(ws.head));
    ws.head = 0;
  }
}

void Runner::apply_dma_changes() {
  // Every change of an engine's next finish takes the next sequence number, so the event
  // order is that of re-queuing the engine's event at each change. But when the finish
  // moves later than the event already queued, that event is kept and, when it comes up
  // early, re-queued with the reserved (time, sequence) key (engine_event): pop order is
  // unchanged, and an engine whose transfers slow down several times costs one heap entry.
  for (const uint32_t e : dma_.dirty()) {
    EngineRt& en = engines_[e];
    const uint32_t id = dma_.next_id(e);
    if (id == DmaFluid::kNone) {
      ++en.gen;
      en.ev_live = false;
      continue;
    }
    // Saturated at kMaxTimePs (never converting an out-of-range double); a finish that
    // far out then trips the time budget.
    const int64_t due = std::max(transfer_start_ps(id) + 1,
                                 std::min(saturating_round<int64_t>(std::ceil(dma_.next_finish_ps(e))), kMaxTimePs));
    if (en.ev_live && due == en.due) continue;
    en.due = due;
    en.due_seq = seq_++;
    if (en.ev_live && due > en.ev_t) continue;
    ++en.gen;
    heap_.push(Ev{due, en.due_seq, e, en.gen, EvKind::DmaEngine});
    en.ev_live = true;
    en.ev_t = due;
  }
  dma_.clear_dirty();
}

void Runner::engine_event(const Ev& ev) {
  const uint32_t e = ev.id;
  const int64_t now = ev.t;
  EngineRt& en = engines_[e];
  if (ev.gen != en.gen) return;  // superseded
  if (now < en.due) {            // the finish moved later: re-queue
    heap_.push(Ev{en.due, en.due_seq, e, en.gen, EvKind::DmaEngine});
    en.ev_t = en.due;
    return;
  }
  en.ev_live = false;
  if (const uint32_t next = dma_.next_id(e); coll_->owns(next)) {
    const CollectiveEngine::Arrival& a = coll_->xfer_member(next);
    check_time(a.g, a.pc, now);
  } else {
    check_time(next, streams_[next].dma_pc, now);
  }
  const uint32_t g = dma_.finish_next(e, double(now));
  apply_dma_changes();
  if (coll_->owns(g)) return collective_transfer_done(g, now);
  StreamRt& s = streams_[g];
  s.complete_at = now;
  s.busy_ps += now - s.issue_at;
  if (trace_)
    trace_->add({s.core, s.stream, s.dma_pc, s.issue_at, now - s.issue_at, s.dma_cost->dma_bytes, 0});
  complete(g, now);
  advance(g, now);
}

void Runner::complete(uint32_t g, int64_t now) {
  StreamRt& s = streams_[g];
  s.in_flight = false;
  if (comm_) {
    if (s.in_collective) comm_->coll_end(s.core, now);
    else comm_->work_end(s.core, now);
  }
  s.in_collective = false;
  if (s.pending_signal >= 0) {
    const int32_t sem = s.pending_signal;
    s.pending_signal = -1;
    signal(g, s.pending_core, uint32_t(sem), now);
  }
}

void Runner::process(const Ev& ev) {
  const uint32_t g = ev.id;
  const int64_t now = ev.t;
  switch (ev.kind) {
    case EvKind::DmaEngine: engine_event(ev); return;
    case EvKind::CollectiveStep:
      coll_->start_step(ev.id, now, dma_);
      apply_dma_changes();
      return;
    case EvKind::DmaStart: {
      check_time(g, streams_[g].dma_pc, now);
      StreamRt& s = streams_[g];
      dma_.start(g, s.dma_engine, double(now), s.dma_cost->busy_ns * 1000.0,
                 double(s.dma_cost->hbm_read_bytes + s.dma_cost->hbm_write_bytes));
      apply_dma_changes();
      return;
    }
    case EvKind::Stream:
      check_time(g, streams_[g].pc, now);
      if (streams_[g].in_flight && now >= streams_[g].complete_at) complete(g, now);
      advance(g, now);
      return;
  }
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
      cores_[s.core].waiters[sw.sem].add({wait_target(s, sw), g});
      return;
    }
    joins(s, in);
    if (m.kind == Kind::Collective) {
      issue_collective(g, now);
      return;
    }
    if (m.kind != Kind::Control) {
      issue_data(g, now);
      return;
    }
    // Control op on an idle datapath: occupies the sequencer for its cost.
    count_instr(g);
    const int64_t dur = m.dur_ps;
    s.busy_ps += dur;
    s.seq_at = now + dur;
    if (m.signal >= 0) {
      if (races_) races_->on_issue(s.core, s.stream, s.pc, in, nullptr);
      if (trace_) trace_->add({s.core, s.stream, s.pc, now, dur, 0, 0});
      exec_control(s, in);
      s.in_flight = true;
      if (comm_) comm_->work_start(s.core, now);
      s.complete_at = s.seq_at;
      s.pending_signal = m.signal;
      s.pending_core = m.signal_core >= 0 ? uint32_t(m.signal_core) : s.core;
      push(s.complete_at, g);
      return;
    }
    exec_control(s, in);
  }
}

void Runner::issue_data(uint32_t g, int64_t now) {
  StreamRt& s = streams_[g];
  const Meta& m = s.meta[s.pc];
  count_instr(g);
  // Static operands were bounds-checked by validation and costs precomputed (prepared.h);
  // the Instr itself is read only by the race detector, functional semantics and the
  // instructions marked reads_instr.
  bool need_instr = m.reads_instr || races_ || mode_ == Mode::Functional;
  // A timing-only DMA with register-relative operands only needs their bounds checked: by
  // its precomputed register range when they hold (the Instr is 432 bytes of cache misses).
  if (need_instr && m.compact_bounds && !races_ && mode_ != Mode::Functional &&
      reg_range_ok(s.bounds[m.cost_index], s.regs))
    need_instr = false;
  if (need_instr) {
    const Instr& in = s.code[s.pc];
    try {
      uint64_t offs[4] = {0, 0, 0, 0};
      if (m.reg_relative || races_)
        for (int i = 0; i < 4; ++i) {
          const isa::TensorRef& t = in.t[i];
          if (!t.used()) continue;
          offs[i] = t.offset;
          if (t.offset_reg >= 0) {
            offs[i] = isa::operand_offset(t, s.ectx.regs, "operand");
            static constexpr std::string_view kName[4] = {"operand t0", "operand t1", "operand t2",
                                                           "operand t3"};  // no formatting per issue
            isa::check_operand_bounds(t, offs[i], chip_, kName[i]);
          }
        }
      if (m.kind == Kind::Tensor && !m.has_cost) pe_cost_ = kCostTable[size_t(m.op)](in, s.cctx);
      if (races_) races_->on_issue(s.core, s.stream, s.pc, in, offs);
      if (mode_ == Mode::Functional) kSemTable[size_t(m.op)](in, s.ectx);
      else if (const SemFn hook = kTimingHookTable[size_t(m.op)]) hook(in, s.ectx);  // no values (docs/ISA.md)
    } catch (const Error& e) {
      fail("{} at t = {} ns: {}", where(exe_, s.core, s.stream, s.pc), double(now) / 1000.0, e.what());
    }
  }
  if (m.kind == Kind::Tensor && m.has_cost) {  // static stationary: compare interned ids
    const PeCost& pc = s.pe[m.cost_index];
    uint32_t& held = cores_[s.core].held_stationary;
    const bool hit = held == pc.stationary && held != PeCost::kNoStationary;
    pe_cost_.busy_ns = hit ? pc.busy_hit : pc.busy_miss;
    pe_cost_.ls_ns = hit ? 0 : pc.busy_miss - pc.busy_hit;
    pe_cost_.flops = pc.flops;
    held = pc.stationary;
  }
  const Cost* cost = m.kind == Kind::Tensor ? &pe_cost_ : m.has_cost ? &s.costs[m.cost_index] : nullptr;
  if (cost) {
    flops_ += cost->flops;
    hbm_read_ += double(cost->hbm_read_bytes);
    hbm_write_ += double(cost->hbm_write_bytes);
  }
  s.in_flight = true;
  if (comm_) comm_->work_start(s.core, now);
  s.pending_signal = m.signal;
  s.pending_core = m.signal_core >= 0 ? uint32_t(m.signal_core) : s.core;
  int64_t end;
  if (m.kind == Kind::Dma) {
    // Transfer starts after the fixed latency; its end comes from the bandwidth model.
    s.issue_at = now;
    s.dma_pc = s.pc;
    s.dma_cost = cost;
    s.complete_at = INT64_MAX;
    end = now + m.dur_ps;
    heap_.push_monotone(Ev{end, seq_++, g, 0, EvKind::DmaStart});
  } else {
    end = now + (m.kind == Kind::Tensor ? pe_duration(s, m, now) : m.dur_ps);
    s.busy_ps += end - now;
    if (trace_) trace_->add({s.core, s.stream, s.pc, now, end - now, 0, cost ? cost->flops : 0});
    s.complete_at = end;
  }
  ++s.pc;
  s.seq_at = now;
  if (!m.next_control) {
    // The stream's next issue comes after this instruction completes: fetch what it will
    // read now (on a large program these are cache misses, one stream after another).
    if (s.pc < s.size) {
      const Meta* next = &s.meta[s.pc];
      __builtin_prefetch(next);
      __builtin_prefetch(s.waits + m.wait_begin + m.num_waits);
      if (m.has_cost) __builtin_prefetch(s.costs + m.cost_index + 1);
      if (m.compact_bounds) __builtin_prefetch(s.bounds + m.cost_index + 1);
    }
    if (m.kind != Kind::Dma) push(end, g);
    return;
  }
  // Sequencer run-ahead through signal-free control ops hidden behind this instruction.
  while (s.pc < s.size && s.meta[s.pc].kind == Kind::Control && s.seq_at < end) {
    const Instr& c = s.code[s.pc];
    const Meta& cm = s.meta[s.pc];
    if (cm.signal >= 0 || (cm.num_waits && unmet_wait(s, cm) >= 0)) break;
    joins(s, c);
    count_instr(g);
    const int64_t dur = cm.dur_ps;
    s.busy_ps += std::max<int64_t>(0, s.seq_at + dur - std::max(s.seq_at, end));
    s.seq_at += dur;
    exec_control(s, c);
  }
  if (m.kind != Kind::Dma) push(end, g);
}

void Runner::runaway(uint32_t g, uint32_t at, int64_t now) const {
  const StreamRt& s = streams_[g];
  const uint32_t pc = std::min(at, s.size - 1);  // (prepared streams are never empty)
  if (now < 0)
    fail("runaway loop? {} instructions executed, the budget (SimOptions::max_instructions, "
         "`--max-instructions`), at {}",
         max_instrs_, where(exe_, s.core, s.stream, pc));
  fail("runaway loop? simulated time passed the budget of {} ms (SimOptions::max_sim_ns, "
       "`--max-sim-ms`) at t = {} ms, at {}",
       double(max_ps_) / 1e9, double(now) / 1e9, where(exe_, s.core, s.stream, pc));
}

// Duration of the tensor-engine instruction being issued (pe_cost_): its MultiplyMoving
// plus the part of its LoadStationary the background load could not hide (pe_pipeline.h).
// The LS may begin once the sequencer reached the instruction (s.seq_at) and its waits held.
int64_t Runner::pe_duration(const StreamRt& s, const Meta& m, int64_t now) {
  CoreRt& core = cores_[s.core];
  const int64_t ls = pe_cost_.ls_ns > 0 ? ns_to_ps(pe_cost_.ls_ns) : 0;
  const int64_t mm = ns_to_ps(pe_cost_.busy_ns - pe_cost_.ls_ns);
  int64_t ready = std::min(s.seq_at, now);
  if (ls > 0) {
    const isa::SemWait* ws = s.waits + m.wait_begin;
    for (uint32_t i = 0; i < m.num_waits; ++i)
      ready = std::max(ready, core.sem_times.when(ws[i].sem, wait_target(s, ws[i]), core.sems[ws[i].sem]));
  }
  return core.pe_pipe.issue(now, ready, ls) + mm;
}

void Runner::issue_collective(uint32_t g, int64_t now) {
  StreamRt& s = streams_[g];
  const Meta& m = s.meta[s.pc];
  const Instr& in = s.code[s.pc];
  count_instr(g);
  CollectiveEngine::Arrival a{g, s.core, s.stream, s.pc, &in, {}, now};
  try {
    for (int i = 0; i < 2; ++i) {
      const isa::TensorRef& t = in.t[i];
      a.offsets[i] = t.offset;
      if (t.offset_reg >= 0) {
        a.offsets[i] = operand_offset(t, s.ectx.regs, "operand");
        check_operand_bounds(t, a.offsets[i], chip_, i == 0 ? "operand dst" : "operand src");
      }
    }
  } catch (const Error& e) {
    fail("{} at t = {} ns: {}", where(exe_, s.core, s.stream, s.pc), double(now) / 1000.0, e.what());
  }
  const Cost& cost = s.costs[m.cost_index];  // this rank's share (statistics)
  hbm_read_ += double(cost.hbm_read_bytes);
  hbm_write_ += double(cost.hbm_write_bytes);
  s.in_flight = true;
  s.in_collective = true;
  if (comm_) comm_->coll_start(s.core, now);
  s.pending_signal = m.signal;
  s.pending_core = m.signal_core >= 0 ? uint32_t(m.signal_core) : s.core;
  s.issue_at = now;
  s.dma_pc = s.pc;
  s.complete_at = INT64_MAX;  // the collective engine completes it
  ++s.pc;
  s.seq_at = now;
  if (const int64_t id = coll_->arrive(a); id >= 0) collective_ready(uint32_t(id), now);
}

void Runner::collective_ready(uint32_t id, int64_t now) {
  const auto& ms = coll_->members(id);
  if (mode_ == Mode::Functional || races_) {
    try {
      if (mode_ == Mode::Functional) {
        std::vector<CollectiveMember> cm;
        for (const auto& a : ms) cm.push_back({a.in, &streams_[a.g].ectx});
        run_collective(cm);
      }
      if (races_) {
        std::vector<race::RaceDetector::Member> rm;
        for (const auto& a : ms) rm.push_back({a.core, a.stream, a.pc, a.in, a.offsets});
        races_->on_collective(rm);
      }
    } catch (const Error& e) {
      const auto& a = ms.front();
      fail("{} (collective of {} cores) at t = {} ns: {}", where(exe_, a.core, a.stream, a.pc), ms.size(),
           double(now) / 1000.0, e.what());
    }
  }
  heap_.push(Ev{coll_->first_step_at(id), seq_++, id, 0, EvKind::CollectiveStep});
}

void Runner::collective_transfer_done(uint32_t xfer, int64_t now) {
  const int64_t id = coll_->transfer_done(xfer);
  if (id < 0) return;  // the step's other transfers are still running
  const int64_t next = coll_->next_step_at(uint32_t(id), now);
  if (next >= 0) heap_.push(Ev{next, seq_++, uint32_t(id), 0, EvKind::CollectiveStep});
  else collective_done(uint32_t(id), now);
}

void Runner::collective_done(uint32_t id, int64_t now) {
  // (advance may issue the next collective, which may grow the engine's storage.)
  const uint64_t bytes = coll_->plan(id).bytes_per_rank();
  std::vector<uint32_t> gs;
  for (const auto& a : coll_->members(id)) gs.push_back(a.g);
  for (const uint32_t g : gs) {  // rank order
    StreamRt& s = streams_[g];
    s.complete_at = now;
    s.busy_ps += now - s.issue_at;
    if (trace_) trace_->add({s.core, s.stream, s.dma_pc, s.issue_at, now - s.issue_at, bytes, 0});
    complete(g, now);
    advance(g, now);
  }
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
  for (const auto& [a, what] : coll_->waiting())
    msg += fmt::format("\n  {} waits in {}", where(exe_, a->core, a->stream, a->pc), what);
  throw Error(msg);
}

SimResult Runner::run() {
  for (uint32_t g = 0; g < streams_.size(); ++g) push(0, g);
  int64_t now = 0;
  while (!heap_.empty()) {
    const Ev ev = heap_.pop();
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
  r.streams.reserve(streams_.size());
  for (size_t g = 0; g < streams_.size(); ++g) {
    const StreamRt& s = streams_[g];
    r.instrs += s.instrs;
    r.streams.push_back({s.core, s.stream, prog_.streams[g].name, double(s.busy_ps) / 1000.0, s.instrs});
  }
  if (comm_)
    for (uint32_t c = 0; c < exe_.cores.size(); ++c) {
      r.comm_ns.push_back(comm_->comm_ns(c));
      r.comm_overlap_ns.push_back(comm_->overlap_ns(c));
    }
  if (races_) r.races = races_->reports();
  if (trace_) trace_->write(opts_.trace_path, exe_);
  return r;
}

}  // namespace

SimResult run_schedule(Mode mode, const ChipMemories& mem, const PreparedExe& prog,
                       const SimOptions& opts) {
  Runner runner(mode, mem, prog, opts);
  return runner.run();
}

SimResult run_schedule(const arch::ChipConfig& chip, Mode mode, const ChipMemories& mem,
                       const isa::Executable& exe, const SimOptions& opts) {
  const PreparedExe prog = prepare_executable(chip, exe);
  return run_schedule(mode, mem, prog, opts);
}

}  // namespace npulab::sim
