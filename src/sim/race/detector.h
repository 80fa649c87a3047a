// Happens-before race detector over the streams of a chip (SimOptions::check_races).
//
// Ordering: program order within a stream; a semaphore increment carries the clock of
// the signalling instruction (taken at its issue, it completes before the increment), also
// when it increments another core's semaphore (cross-core signal); a satisfied wait
// `sem >= v` joins the clocks of increments 1..v of that semaphore of the waiting core. A
// collective orders its participants: once all have issued, each knows what any of them
// knew, and the collective's own reads and writes (on behalf of every participant) are
// ordered after all of that. Clocks span every non-empty stream of every core, so an
// unordered pair on two cores (shared HBM) is reported like one within a core.
//
// Accesses are tracked per 64-byte block (per partition for SBUF/PSUM, flat for HBM) with
// a byte mask: each block remembers up to two writers and two readers (FastTrack-style
// epochs, each with the bytes of the block it touched). Two instructions race when they
// are on different streams, touch a common byte, at least one writes, and neither
// happens-before the other. When more than two unordered writers (or readers) of one
// block are live, two records are merged (conservative: may report a pair for bytes only
// the other one touched) or the oldest reader is forgotten (may miss a write-after-read
// race); docs/SIMULATOR.md.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "arch/chip.h"
#include "isa/instr.h"
#include "sim/race/vector_clock.h"
#include "sim/result.h"

namespace npulab::sim::race {

class RaceDetector {
 public:
  static constexpr uint32_t kBlockBytes = 64;
  static constexpr size_t kMaxReports = 32;

  RaceDetector(const isa::Executable& exe, const arch::ChipConfig& chip);
  ~RaceDetector();

  // Stream `stream` of `core` issues instruction `pc`; offsets[i] is the effective byte
  // offset of operand t[i] (registers applied).
  void on_issue(uint32_t core, uint32_t stream, uint32_t pc, const isa::Instr& in,
                const uint64_t* offsets);
  // A wait of the stream's next instruction was satisfied: sem >= value (of its core).
  void on_wait(uint32_t core, uint32_t stream, uint32_t sem, int64_t value);
  // The in-flight instruction of `stream` of `core` completed and incremented semaphore
  // `sem` of core `target` (its own core or, for a cross-core signal, another one).
  void on_signal(uint32_t core, uint32_t stream, uint32_t target, uint32_t sem);
  // Every participant of one collective has issued it (sim/collective): one call with all
  // of them (each one's instruction and effective operand offsets).
  struct Member {
    uint32_t core = 0, stream = 0, pc = 0;
    const isa::Instr* in = nullptr;
    const uint64_t* offsets = nullptr;
  };
  void on_collective(const std::vector<Member>& members);

  std::vector<RaceReport> reports() const;

 private:
  struct Access {
    uint64_t mask = 0;          // bytes of the block touched (0: empty record)
    uint32_t epoch = 0;
    uint32_t pc = 0;
    uint16_t gstream = 0xFFFF;
    bool valid() const { return mask != 0; }
  };
  struct Cell {
    Access w[2];
    Access r[2];
    bool spilled_w = false, spilled_r = false;  // more records in spill_ (rare)
  };
  using Spill = std::vector<Access>;
  static constexpr uint32_t kCellsPerPage = 1024;  // 64 KiB of address space per page

  Cell* cell(isa::Space space, uint32_t core, uint32_t partition, uint64_t addr);
  uint32_t gidx(uint32_t core, uint32_t stream) const { return gidx_[core][stream]; }
  uint32_t* clock(uint32_t g) { return vc_.data() + size_t(g) * n_; }
  // Whether access `a` happens before the current instruction of global stream g.
  bool ordered(const Access& a, uint32_t g) const {
    return a.gstream == g || vc_[size_t(g) * n_ + a.gstream] >= a.epoch;
  }
  // The operands' accesses of instruction `in` issued by global stream g at `epoch`.
  void accesses(uint32_t g, uint32_t epoch, uint32_t pc, const isa::Instr& in, const uint64_t* offsets);
  void access_block(Cell& c, bool write, const Access& me, uint32_t g, isa::Space space, uint32_t core,
                    uint32_t partition, uint64_t block);
  // Put `me` into a record set (two inline slots, then the spill) after its bytes were
  // removed from the records it covers.
  void insert(Access (&slots)[2], bool& spilled, const Cell* c, bool write, const Access& me);
  Spill& spill(const Cell* c, bool write) { return spill_[{c, write}]; }
  void report(const Access& prev, bool prev_write, const Access& me, bool me_write,
              isa::Space space, uint32_t core, uint32_t partition, uint64_t block);
  std::string describe(const Access& a) const;

  const isa::Executable& exe_;
  uint32_t n_ = 0;                              // global streams: the non-empty ones
  std::vector<uint32_t> vc_;                    // n x n: vc_[s*n + t] = what s knows of t
  std::vector<uint32_t> sigclk_;                // n x n: clock of each stream's in-flight signaller
  std::vector<std::vector<SemHistory>> sems_;   // [core][semaphore]
  std::vector<std::vector<uint32_t>> gidx_;     // [core][stream] -> global stream
  std::vector<std::pair<uint32_t, uint32_t>> gstream_;  // global -> (core, stream)
  // SBUF/PSUM shadow: per core and space one zero-filled (calloc: the OS backs only the
  // pages touched) array [partitions][bytes_per_partition / 64]; all-zero = no record.
  // A scratchpad whose flat shadow would exceed kMaxFlatShadowBytes (a what-if chip file)
  // uses the paged shadow instead, so host memory follows what the program touches.
  static constexpr uint64_t kMaxFlatShadowBytes = uint64_t(64) << 20;
  struct Flat {
    Cell* cells = nullptr;
    uint64_t per_part = 0;
    bool paged = false;
  };
  std::vector<Flat> flat_;  // index core * 2 + (space == Psum)
  const arch::ChipConfig& chip_;
  // HBM shadow: 64 KiB pages on first touch.
  std::unordered_map<uint64_t, std::unique_ptr<Cell[]>> pages_;
  uint64_t last_key_ = ~0ull;
  Cell* last_page_ = nullptr;
  std::set<std::pair<uint64_t, uint64_t>> seen_pairs_;
  std::map<std::pair<const Cell*, bool>, Spill> spill_;  // (cell, writers?) -> further records
  std::vector<RaceReport> reports_;
  uint64_t suppressed_ = 0;
};

}  // namespace npulab::sim::race
