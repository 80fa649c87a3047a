// Happens-before race detector over the streams of each core (SimOptions::check_races).
//
// Ordering: program order within a stream; a semaphore increment carries the clock of
// the signalling instruction (taken at its issue, it completes before the increment); a
// satisfied wait `sem >= v` joins the clocks of increments 1..v. Streams of different
// cores are never ordered (there is no cross-core synchronisation in the ISA).
//
// Accesses are tracked per 64-byte block (per partition for SBUF/PSUM, flat for HBM):
// each block remembers its last write and up to two reads since (FastTrack-style epochs).
// Two instructions race when they are on different streams, touch the same block, at
// least one writes, and neither happens-before the other. Block granularity makes the
// detector conservative for accesses within 64 bytes of each other (may report a pair
// that touches neighbouring bytes of one block); with more than two concurrent readers
// of a block an older reader can be forgotten (may miss a write-after-read race).
#pragma once
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "arch/chip.h"
#include "isa/instr.h"
#include "sim/race/vector_clock.h"
#include "sim/simulator.h"

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
  // A wait of the stream's next instruction was satisfied: sem >= value.
  void on_wait(uint32_t core, uint32_t stream, uint32_t sem, int64_t value);
  // The in-flight instruction of `stream` completed and incremented `sem`.
  void on_signal(uint32_t core, uint32_t stream, uint32_t sem);

  std::vector<RaceReport> reports() const;

 private:
  struct Access {
    uint32_t epoch = 0;
    uint32_t pc = 0;
    uint16_t gstream = 0xFFFF;  // 0xFFFF: empty
    bool valid() const { return gstream != 0xFFFF; }
  };
  struct Cell {
    Access w;
    Access r[2];
  };
  static constexpr uint32_t kCellsPerPage = 1024;  // 64 KiB of address space per page

  struct CoreClocks {
    uint32_t n = 0;
    std::vector<uint32_t> vc;      // n x n: vc[s*n + t] = what stream s knows of stream t
    std::vector<uint32_t> sigclk;  // n x n: clock of each stream's in-flight signaller
    std::vector<SemHistory> sems;
  };

  Cell* cell(isa::Space space, uint32_t core, uint32_t partition, uint64_t addr);
  bool ordered(const Access& a, uint32_t core, uint32_t stream) const;
  void access_block(Cell& c, bool write, const Access& me, uint32_t core, uint32_t stream,
                    isa::Space space, uint32_t partition, uint64_t block);
  void report(const Access& prev, bool prev_write, const Access& me, bool me_write,
              isa::Space space, uint32_t core, uint32_t partition, uint64_t block);
  std::string describe(const Access& a) const;

  const isa::Executable& exe_;
  std::vector<CoreClocks> cores_;
  std::vector<uint32_t> gbase_;                 // first global stream index of each core
  std::vector<std::pair<uint32_t, uint32_t>> gstream_;  // global -> (core, stream)
  std::unordered_map<uint64_t, std::unique_ptr<Cell[]>> pages_;
  uint64_t last_key_ = ~0ull;
  Cell* last_page_ = nullptr;
  std::set<std::pair<uint64_t, uint64_t>> seen_pairs_;
  std::vector<RaceReport> reports_;
  uint64_t suppressed_ = 0;
};

}  // namespace npulab::sim::race
