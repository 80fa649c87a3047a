// What a simulation reports: total time, instructions, FLOPs, HBM traffic, per-stream busy
// time and races. Plain data, filled by the scheduler (sim/scheduler/event_loop.cpp) and the
// race detector, returned by sim::Chip::run (sim/simulator.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace npulab::sim {

struct StreamStats {
  uint32_t core = 0;
  uint32_t stream = 0;
  std::string name;         // "core0.pe", "core0.dma3"
  double busy_ns = 0;
  uint64_t instrs = 0;
};

struct RaceReport {
  std::string message;      // names both instructions (stream, index, asm text)
};

struct SimResult {
  double total_ns = 0;
  uint64_t instrs = 0;
  double flops = 0;                 // 2*M*N*K summed over matmuls
  double hbm_bytes_read = 0, hbm_bytes_written = 0;
  std::vector<StreamStats> streams;
  std::vector<RaceReport> races;
  // Programs with collectives, per core (empty otherwise; sim/scheduler/comm_overlap.h): the
  // time a collective of the core was in flight, and the part of it during which the core
  // also had other work in flight (an engine or DMA queue busy) — communication hidden
  // behind computation.
  std::vector<double> comm_ns, comm_overlap_ns;
  double achieved_tflops() const { return total_ns > 0 ? flops / total_ns / 1e3 : 0; }
  double hbm_gbps() const { return total_ns > 0 ? (hbm_bytes_read + hbm_bytes_written) / total_ns : 0; }
};

}  // namespace npulab::sim
