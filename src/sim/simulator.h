// Public entry point of the simulator: one chip (N NeuronCores sharing HBM) runs an
// Executable, functionally (values computed with the hardware's numerics) or timing-only
// (same scheduling and costs, no values, no data storage).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "arch/chip.h"
#include "isa/instr.h"
#include "sim/memory.h"
#include "sim/options.h"
#include "sim/result.h"

namespace npulab::sim {

struct PreparedExe;  // sim/scheduler/prepared.h

// An executable validated against a chip, with the scheduler's per-instruction
// precomputation (costs, compact metadata) done once: running it again skips both (they
// are 20-45% of a timing-only run). Made by Chip::prepare and run only on that Chip (it
// must not outlive it); it refers to the executable, which must stay alive and
// structurally unchanged (no instructions added or removed; refresh detects it). An
// instruction modified in place (operand offsets, immediates, waits) must be announced
// with refresh(), which validates it again; a modified instruction that is not refreshed
// keeps its old cost and skips bounds checks of its static operands.
class PreparedProgram {
 public:
  PreparedProgram(PreparedProgram&&) noexcept;
  PreparedProgram& operator=(PreparedProgram&&) noexcept;
  ~PreparedProgram();
  const isa::Executable& executable() const;
  // Re-validate and re-prepare instruction `pc` of stream `stream` of core `core`.
  void refresh(uint32_t core, uint32_t stream, uint32_t pc);
  // Re-validate and re-prepare everything (after many in-place changes).
  void refresh_all();

 private:
  friend class Chip;
  PreparedProgram();
  std::unique_ptr<PreparedExe> p_;
};

class Chip {
 public:
  Chip(const arch::ChipConfig& cfg, Mode mode, const ChipOptions& options = {});
  ~Chip();
  Chip(const Chip&) = delete;
  Chip& operator=(const Chip&) = delete;

  const arch::ChipConfig& config() const;
  Mode mode() const;
  Hbm& hbm();
  // Run an executable: loads its constants into HBM, runs every core's streams to
  // completion. Throws npulab::Error on invalid programs (naming the instruction),
  // deadlock (naming the blocked streams and their waits), or out-of-bounds access.
  SimResult run(const isa::Executable& exe, const SimOptions& opts = {});
  // Validate and prepare once, run many times (see PreparedProgram).
  PreparedProgram prepare(const isa::Executable& exe) const;
  SimResult run(const PreparedProgram& prog, const SimOptions& opts = {});

 private:
  SimResult run_prepared(const PreparedExe& prog, const SimOptions& opts);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace npulab::sim
