// Happens-before race detector (see detector.h).
#include "sim/race/detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "common/error.h"
#include "isa/asm.h"
#include "isa/opcode_table.h"
#include "isa/access_pattern.h"

namespace npulab::sim::race {

RaceDetector::RaceDetector(const isa::Executable& exe, const arch::ChipConfig& chip)
    : exe_(exe), chip_(chip) {
  flat_.resize(exe.cores.size() * 2);
  gidx_.resize(exe.cores.size());
  sems_.resize(exe.cores.size());
  for (size_t c = 0; c < exe.cores.size(); ++c) {
    const auto& streams = exe.cores[c].streams;
    gidx_[c].assign(streams.size(), UINT32_MAX);
    for (uint32_t s = 0; s < streams.size(); ++s)
      if (!streams[s].empty()) {
        gidx_[c][s] = uint32_t(gstream_.size());
        gstream_.emplace_back(uint32_t(c), s);
      }
  }
  if (gstream_.size() >= 0xFFFF)  // records hold a 16-bit stream id (0xFFFF = none)
    fail("race detector: the program has {} streams, more than the detector's 65534 (run without race "
         "checking: --no-race-check)", gstream_.size());
  n_ = uint32_t(gstream_.size());
  vc_.assign(size_t(n_) * n_, 0);
  sigclk_.assign(size_t(n_) * n_, 0);
}

RaceDetector::~RaceDetector() {
  for (Flat& f : flat_) std::free(f.cells);
}

RaceDetector::Cell* RaceDetector::cell(isa::Space space, uint32_t core, uint32_t partition,
                                       uint64_t addr) {
  if (space != isa::Space::Hbm) {
    Flat& f = flat_[size_t(core) * 2 + (space == isa::Space::Psum)];
    if (!f.cells && !f.paged) {
      const arch::Memory2D& m = space == isa::Space::Psum ? chip_.psum : chip_.sbuf;
      f.per_part = (m.bytes_per_partition + kBlockBytes - 1) / kBlockBytes;
      const uint64_t bytes = uint64_t(m.partitions) * f.per_part * sizeof(Cell);
      f.paged = bytes > kMaxFlatShadowBytes;  // a what-if scratchpad: shadow what is touched
      if (!f.paged) {
        f.cells = static_cast<Cell*>(std::calloc(size_t(m.partitions) * f.per_part, sizeof(Cell)));
        if (!f.cells) fail("race detector: out of memory for the shadow of core {}", core);
      }
    }
    if (f.cells) return f.cells + partition * f.per_part + addr / kBlockBytes;
  }
  // Paged shadow (HBM; SBUF/PSUM beyond kMaxFlatShadowBytes): 64 KiB of address space per
  // page; the key packs space (2 bits), core (10), partition (12) and page (40 bits: HBM
  // up to 2^56 bytes), every field within the ranges of hw_ranges.cpp.
  const uint64_t page = addr >> 16;
  const uint64_t key = (uint64_t(space) << 62) | (uint64_t(core & 0x3FF) << 52) |
                       (uint64_t(partition & 0xFFF) << 40) | page;
  if (key != last_key_) {
    auto& slot = pages_[key];
    if (!slot) slot = std::make_unique<Cell[]>(kCellsPerPage);
    last_key_ = key;
    last_page_ = slot.get();
  }
  return last_page_ + ((addr >> 6) & (kCellsPerPage - 1));
}

std::string RaceDetector::describe(const Access& a) const {
  const auto [core, stream] = gstream_[a.gstream];
  return fmt::format("core{}.{}[{}] `{}`", core, isa::stream_name(stream), a.pc,
                     isa::to_text(exe_.cores[core].streams[stream][a.pc]));
}

void RaceDetector::report(const Access& prev, bool prev_write, const Access& me, bool me_write,
                          isa::Space space, uint32_t core, uint32_t partition, uint64_t block) {
  const uint64_t ka = (uint64_t(prev.gstream) << 32) | prev.pc;
  const uint64_t kb = (uint64_t(me.gstream) << 32) | me.pc;
  if (!seen_pairs_.insert({std::min(ka, kb), std::max(ka, kb)}).second) return;  // unordered pair
  if (reports_.size() >= kMaxReports) {
    ++suppressed_;
    return;
  }
  const uint64_t lo = block * kBlockBytes;
  std::string where =
      space == isa::Space::Hbm
          ? fmt::format("HBM bytes [{:#x}, {:#x})", lo, lo + kBlockBytes)
          : fmt::format("{} core {} partition {} bytes [{:#x}, {:#x})",
                        space == isa::Space::Sbuf ? "SBUF" : "PSUM", core, partition, lo,
                        lo + kBlockBytes);
  reports_.push_back({fmt::format("data race on {}: {} ({}) and {} ({}) are not ordered by any "
                                  "semaphore",
                                  where, describe(prev), prev_write ? "write" : "read",
                                  describe(me), me_write ? "write" : "read")});
}

void RaceDetector::insert(Access (&slots)[2], bool& spilled, const Cell* c, bool write, const Access& me) {
  for (Access& a : slots)
    if (!a.valid()) {
      a = me;
      return;
    }
  Spill& sp = spill(c, write);
  std::erase_if(sp, [](const Access& a) { return !a.valid(); });
  sp.push_back(me);
  spilled = true;
}

void RaceDetector::access_block(Cell& c, bool write, const Access& me, uint32_t g, isa::Space space,
                                uint32_t core, uint32_t partition, uint64_t block) {
  // Check `me` against one record set, then take its bytes from the records it covers:
  // all of them for a write (a later access conflicting with those bytes conflicts with
  // me), those that happen before me for a read (concurrent readers stay apart).
  const auto visit = [&](Access& a, bool a_write) {
    if (!(a.mask & me.mask)) return;
    const bool before = ordered(a, g);
    if (!before && (write || a_write)) report(a, a_write, me, write, space, core, partition, block);
    if (write || (before && !a_write)) a.mask &= ~me.mask;
  };
  const auto visit_set = [&](Access (&slots)[2], bool& spilled, bool set_write) {
    for (Access& a : slots) visit(a, set_write);
    if (!spilled) return;
    Spill& sp = spill(&c, set_write);
    for (Access& a : sp) visit(a, set_write);
    std::erase_if(sp, [](const Access& a) { return !a.valid(); });
    if (sp.empty()) {
      spill_.erase({&c, set_write});
      spilled = false;
    }
  };
  visit_set(c.w, c.spilled_w, true);
  visit_set(c.r, c.spilled_r, false);
  if (write) insert(c.w, c.spilled_w, &c, true, me);
  else insert(c.r, c.spilled_r, &c, false, me);
}

void RaceDetector::on_issue(uint32_t core, uint32_t stream, uint32_t pc, const isa::Instr& in,
                            const uint64_t* offsets) {
  const uint32_t g = gidx(core, stream);
  uint32_t* my = clock(g);
  const uint32_t epoch = ++my[g];
  if (in.signal >= 0) std::copy(my, my + n_, sigclk_.data() + size_t(g) * n_);
  accesses(g, epoch, pc, in, offsets);
}

void RaceDetector::accesses(uint32_t g, uint32_t epoch, uint32_t pc, const isa::Instr& in,
                            const uint64_t* offsets) {
  const uint32_t core = gstream_[g].first;
  const Access me{0, epoch, pc, uint16_t(g)};
  const isa::OpInfo& info = isa::op_info(in.op);
  for (uint32_t i = 0; i < info.num_operands; ++i) {
    const isa::TensorRef& r = in.t[i];
    if (!r.used()) continue;
    const bool write = info.operands[i].access != isa::Access::R;
    const uint32_t mcore = r.space == isa::Space::Hbm ? 0 : core;
    isa::for_each_interval(r, offsets[i], 0, [&](uint32_t part, uint64_t lo, uint64_t hi) {
      const uint32_t p = part == UINT32_MAX ? 0 : part;
      for (uint64_t b = lo / kBlockBytes; b <= (hi - 1) / kBlockBytes; ++b) {
        // Bytes of block b inside [lo, hi).
        const uint64_t b0 = b * kBlockBytes;
        const uint64_t from = std::max(lo, b0) - b0, to = std::min(hi, b0 + kBlockBytes) - b0;
        Access acc = me;
        acc.mask = (to - from == 64 ? ~0ull : ((1ull << (to - from)) - 1)) << from;
        access_block(*cell(r.space, mcore, p, b0), write, acc, g, r.space, core, p, b);
      }
    });
  }
}

void RaceDetector::on_collective(const std::vector<Member>& members) {
  // Each participant's issue is an event of its stream; then all of them know the join of
  // their clocks (the collective engine read every source after every participant issued),
  // and the collective's accesses are checked and recorded with that knowledge: accesses
  // of two participants of the same collective are ordered (one engine performs them).
  std::vector<uint32_t> epochs(members.size()), joined(n_, 0);
  for (size_t i = 0; i < members.size(); ++i) {
    const uint32_t g = gidx(members[i].core, members[i].stream);
    uint32_t* my = clock(g);
    epochs[i] = ++my[g];
    join_into(joined.data(), my, n_);
  }
  for (size_t i = 0; i < members.size(); ++i) {
    const uint32_t g = gidx(members[i].core, members[i].stream);
    std::copy(joined.begin(), joined.end(), clock(g));
    if (members[i].in->signal >= 0) std::copy(joined.begin(), joined.end(), sigclk_.data() + size_t(g) * n_);
  }
  for (size_t i = 0; i < members.size(); ++i)
    accesses(gidx(members[i].core, members[i].stream), epochs[i], members[i].pc, *members[i].in,
             members[i].offsets);
}

void RaceDetector::on_wait(uint32_t core, uint32_t stream, uint32_t sem, int64_t value) {
  const auto& sems = sems_[core];
  if (value <= 0 || sem >= sems.size()) return;
  const SemHistory& h = sems[sem];
  const size_t v = std::min<size_t>(size_t(value), h.count());
  if (v == 0) return;
  h.join_upto(clock(gidx(core, stream)), v);
}

void RaceDetector::on_signal(uint32_t core, uint32_t stream, uint32_t target, uint32_t sem) {
  auto& sems = sems_[target];
  if (sem >= sems.size()) sems.resize(sem + 1, SemHistory(n_));
  sems[sem].add(sigclk_.data() + size_t(gidx(core, stream)) * n_);
}

std::vector<RaceReport> RaceDetector::reports() const {
  std::vector<RaceReport> out = reports_;
  if (suppressed_)
    out.push_back({fmt::format("... and {} more racing instruction pairs not shown",
                               suppressed_)});
  return out;
}

}  // namespace npulab::sim::race
