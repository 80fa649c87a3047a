// The nccom-test style program of one collective among the NeuronCores of one chip: every
// rank's private source x[r] and destination y[r] in HBM and one collective instruction over
// them (`npulab kernel all-reduce ...` and `npulab validate`'s collective cases build it).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "arch/chip.h"
#include "isa/instr.h"
#include "kernels/chip_builder.h"
#include "sim/collective/plan.h"

namespace npulab::kernels {

struct CollectiveOp {
  const char* name;  // "all-reduce", ...
  isa::Opcode op;
  sim::CollectiveKind kind;
};
std::span<const CollectiveOp> collective_ops();
const CollectiveOp* find_collective_op(std::string_view name);  // nullptr when unknown

struct CollectiveProgram {
  isa::Executable exe;
  std::vector<HbmTensor> x, y;
  uint64_t src_n = 0, dst_n = 0;  // elements of each rank's source and destination
  uint64_t message_bytes = 0;     // the message nccom-test's size column counts
};

// A message of `bytes` bytes (all-gather: the destination, else the source) over `n` ranks,
// rounded to whole elements per rank.
CollectiveProgram collective_program(const CollectiveOp& k, const arch::ChipConfig& chip, uint32_t n, DType t,
                                     isa::AluOp alu, uint64_t bytes);

}  // namespace npulab::kernels
