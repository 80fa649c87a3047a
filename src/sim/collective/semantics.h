// What a collective does to the data, once every participant has issued it: the chip's
// collective engine reads every rank's source and writes every rank's destination
// (functional mode only). Deterministic whatever the order the ranks arrived in:
//  - reductions (all_reduce, reduce_scatter; op add, max or min) decode every element to
//    FP32 and combine the ranks in ascending rank order, ((r0 op r1) op r2) ..., rounding
//    once to the destination's dtype at the end (RNE; integer dtypes saturate, as every
//    engine computes in FP32: exact while the partial sums stay below 2^24);
//  - all_gather and all_to_all move bytes unchanged (bit-exact for every dtype);
//  - every source is read before any destination is written, so in-place collectives
//    (a destination overlapping a source) see the sources as they were at the start.
// Element order within an operand: dense row-major (rows/partitions outermost), as DMA.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "isa/instr.h"
#include "sim/collective/plan.h"
#include "sim/exec.h"

namespace npulab::sim {

std::optional<CollectiveKind> collective_kind(isa::Opcode op);

struct CollectiveMember {
  const isa::Instr* in = nullptr;
  const ExecCtx* ctx = nullptr;  // the issuing stream's context (memories, registers)
};

// members[r] is rank r's instruction (ascending core order); validated to agree.
void run_collective(const std::vector<CollectiveMember>& members);

// The message size of the collective (plan.h): the destination of all_gather, else the
// source, in bytes.
uint64_t collective_message_bytes(const isa::Instr& in);

}  // namespace npulab::sim
