// Timing model, one function per opcode of isa/opcodes.def:
//   Cost cost_<name>(const isa::Instr&, CostCtx&)
// Costs come only from the chip description (arch::ChipConfig) and the instruction's
// operands (sizes, dtypes, spaces): per-instruction fixed overhead plus data-dependent
// cycles. Shared resources (HBM bandwidth across all DMA queues of the chip) are
// arbitrated by the scheduler using the bytes reported here.
#pragma once
#include <cstdint>
#include <span>

#include "arch/chip.h"
#include "isa/instr.h"

namespace npulab::sim {

struct TensorEngineState {  // what the PE array remembers between instructions
  bool has_stationary = false;
  isa::TensorRef stationary{};
  uint64_t stationary_offset = 0;
};

struct CostCtx {
  const arch::ChipConfig* chip = nullptr;
  std::span<const int64_t> regs;
  TensorEngineState* pe = nullptr;  // non-null on the PE stream
  uint32_t stream = 0;              // issuing stream (selects the engine's clock and rates)
};

struct Cost {
  double busy_ns = 0;          // time the issuing stream is occupied (DMA: the uncontended
                               // DMA-engine service time, descriptors + bytes / engine BW;
                               // the scheduler adds dma_fixed_ns and bandwidth sharing)
  double ls_ns = 0;            // tensor engine: the LoadStationary part of busy_ns, which the
                               // scheduler overlaps with the previous MultiplyMoving
  double flops = 0;            // useful FLOPs (matmul: 2*M*N*K)
  uint64_t hbm_read_bytes = 0;
  uint64_t hbm_write_bytes = 0;
  uint64_t dma_bytes = 0;      // bytes moved by a DMA engine (bandwidth-limited part)
  double dma_fixed_ns = 0;     // DMA fixed latency (not bandwidth-limited)
};

#define OP(name, ...) Cost cost_##name(const isa::Instr& in, CostCtx& ctx);
#include "isa/opcodes.def"
#undef OP

}  // namespace npulab::sim
