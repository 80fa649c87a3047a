// The deterministic discrete-event scheduler that runs one Executable on one chip.
//
// Every stream (engine or DMA queue) of every core is an in-order instruction stream
// with its own pc and registers. Time is integer picoseconds; events are processed in
// (time, sequence number) order, so results never depend on host threads or hash order.
// A stream issues its next instruction when its datapath is free, its sequencer has
// caught up and every wait holds; completion adds 1 to the signal semaphore and wakes
// its waiters. Details and formulas: docs/SIMULATOR.md.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "arch/chip.h"
#include "isa/instr.h"
#include "sim/memory.h"
#include "sim/options.h"
#include "sim/result.h"

namespace npulab::sim {

// The chip's memories as the scheduler sees them (null data pointers in timing-only mode).
namespace host {
class HelperThread;  // sim/kernels_host/helper_thread.h
}

struct ChipMemories {
  Hbm* hbm = nullptr;
  std::vector<Scratchpad*> sbuf, psum;  // per core (entries may be null in timing-only mode)
  host::HelperThread* helper = nullptr;  // the chip's, for large host kernels (may be null)
};

SimResult run_schedule(const arch::ChipConfig& chip, Mode mode, const ChipMemories& mem,
                       const isa::Executable& exe, const SimOptions& opts);

// The same for a program prepared once (prepared.h): validation is the caller's business.
struct PreparedExe;
SimResult run_schedule(Mode mode, const ChipMemories& mem, const PreparedExe& prog,
                       const SimOptions& opts);

}  // namespace npulab::sim
