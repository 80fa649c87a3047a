// The chip's collective engine (see engine.h).
#include "sim/collective/engine.h"

#include <fmt/format.h>

#include "common/error.h"
#include "isa/asm.h"
#include "isa/collective_rules.h"
#include "isa/opcode_table.h"
#include "sim/collective/semantics.h"
#include "sim/scheduler/prepared.h"

namespace npulab::sim {

CollectiveEngine::CollectiveEngine(const arch::ChipConfig& chip, const isa::Executable& exe, uint32_t xfer_base)
    : chip_(chip), exe_(exe), base_(xfer_base), cores_(uint32_t(exe.cores.size())),
      rings_(collective_rings(chip)), issued_(exe.cores.size()) {
  xfer_owner_.assign(transfer_ids(), 0);
  xfer_start_.assign(transfer_ids(), 0);
}

namespace {

std::string describe(const isa::Executable& exe, const CollectiveEngine::Arrival& a) {
  return fmt::format("core{}.{}[{}] `{}`", a.core, isa::stream_name(a.stream), a.pc,
                     isa::to_text(exe.cores[a.core].streams[a.stream][a.pc]));
}

// What participants must agree on, or an empty string.
std::string disagreement(const isa::Instr& a, const isa::Instr& b) {
  if (a.op != b.op) return fmt::format("the operation ({} vs {})", isa::op_info(a.op).name, isa::op_info(b.op).name);
  if ((a.op == isa::Opcode::all_reduce || a.op == isa::Opcode::reduce_scatter) && a.alu0 != b.alu0)
    return fmt::format("the reduction op ({} vs {})", isa::alu_name(a.alu0), isa::alu_name(b.alu0));
  if (a.t[1].dtype != b.t[1].dtype)
    return fmt::format("the dtype ({} vs {})", dtype_name(a.t[1].dtype), dtype_name(b.t[1].dtype));
  if (a.t[1].elems() != b.t[1].elems() || a.t[0].elems() != b.t[0].elems())
    return fmt::format("the sizes (src {} / dst {} elements vs src {} / dst {})", a.t[1].elems(), a.t[0].elems(),
                       b.t[1].elems(), b.t[0].elems());
  return "";
}

}  // namespace

int64_t CollectiveEngine::arrive(const Arrival& a) {
  const uint64_t group = uint64_t(a.in->iimm0);
  const uint64_t seq = issued_[a.core][group]++;
  auto [it, fresh] = open_.try_emplace({group, seq}, uint32_t(colls_.size()));
  if (fresh) {
    // Every core of the group must exist in this program, or the collective can never start.
    for (uint32_t c = 0; c < 64; ++c)
      if ((group >> c & 1) && c >= cores_)
        fail("{}: its group {} names core {} but the program has {} cores", describe(exe_, a),
             isa::group_text(int64_t(group)), c, cores_);
    Coll& c = colls_.emplace_back();
    c.group = group;
    c.seq = seq;
    c.ranks = isa::group_size(int64_t(group));
    c.members.resize(c.ranks);
    c.here.assign(c.ranks, false);
  }
  const uint32_t id = it->second;
  Coll& c = colls_[id];
  const uint32_t rank = isa::group_rank(int64_t(group), a.core);
  for (uint32_t r = 0; r < c.ranks; ++r)
    if (c.here[r]) {
      if (const std::string d = disagreement(*c.members[r].in, *a.in); !d.empty())
        fail("collective #{} of group {}: {} and {} disagree on {}", seq, isa::group_text(int64_t(group)),
             describe(exe_, c.members[r]), describe(exe_, a), d);
      break;
    }
  c.members[rank] = a;
  c.here[rank] = true;
  if (++c.arrived < c.ranks) return -1;
  open_.erase(it);
  const isa::Instr& in = *c.members[0].in;
  c.plan = plan_collective(chip_, *collective_kind(in.op), c.ranks, collective_message_bytes(in),
                           uint32_t(dtype_size(in.t[1].dtype)));
  return id;
}

int64_t CollectiveEngine::first_step_at(uint32_t id) const {
  int64_t last = 0;
  for (const Arrival& a : colls_[id].members) last = std::max(last, a.at_ps);
  return last + ns_to_ps(chip_.collectives.start_ns + chip_.collectives.hop_latency_ns);
}

void CollectiveEngine::start_step(uint32_t id, int64_t now, DmaFluid& dma) {
  Coll& c = colls_[id];
  const CollectiveStep& st = c.plan.steps[c.step++];
  const double work_ps = collective_piece_ns(chip_, c.plan, st) * 1000.0;
  const double hbm = double(st.hbm_read() + st.hbm_write()) / double(rings_);
  const uint32_t E = chip_.dma.engines_per_core;
  for (const Arrival& m : c.members)
    for (uint32_t j = 0; j < rings_; ++j) {
      const uint32_t slot = m.core * rings_ + j;
      xfer_owner_[slot] = id;
      xfer_start_[slot] = now;
      dma.start(base_ + slot, m.core * E + (E - 1 - j), double(now), work_ps, hbm);
      ++c.pending;
    }
}

int64_t CollectiveEngine::transfer_done(uint32_t xfer_id) {
  const uint32_t id = xfer_owner_[xfer_id - base_];
  return --colls_[id].pending == 0 ? int64_t(id) : -1;
}

const CollectiveEngine::Arrival& CollectiveEngine::xfer_member(uint32_t xfer_id) const {
  const uint32_t slot = xfer_id - base_, core = slot / rings_;
  const Coll& c = colls_[xfer_owner_[slot]];
  return c.members[isa::group_rank(int64_t(c.group), core)];
}

int64_t CollectiveEngine::next_step_at(uint32_t id, int64_t now) const {
  const Coll& c = colls_[id];
  if (c.step >= c.plan.steps.size()) return -1;
  return now + ns_to_ps(chip_.collectives.hop_latency_ns);
}

std::vector<std::pair<const CollectiveEngine::Arrival*, std::string>> CollectiveEngine::waiting() const {
  std::vector<std::pair<const Arrival*, std::string>> out;
  for (const auto& [key, id] : open_) {
    const Coll& c = colls_[id];
    std::string missing;
    uint32_t r = 0;
    for (uint32_t core = 0; core < 64; ++core)
      if (c.group >> core & 1) {
        if (!c.here[r]) missing += fmt::format("{}{}", missing.empty() ? "" : ", ", core);
        ++r;
      }
    for (uint32_t k = 0; k < c.ranks; ++k)
      if (c.here[k])
        out.emplace_back(&c.members[k], fmt::format("collective #{} of group {}, not issued by core {}", c.seq,
                                                    isa::group_text(int64_t(c.group)), missing));
  }
  return out;
}

}  // namespace npulab::sim
