// Static rules of the collective instructions (all_reduce, all_gather, reduce_scatter,
// all_to_all), checked by validation: the group, the reduction op, the operands' dtypes
// and sizes. What participants must agree on is checked when they meet (sim/collective).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "isa/instr.h"

namespace npulab::isa {

bool is_collective(Opcode op);
// Ranks of a group mask (bit c = core c).
inline uint32_t group_size(int64_t group) { return uint32_t(__builtin_popcountll(uint64_t(group))); }
// Rank of `core` in `group`: the number of group cores below it.
inline uint32_t group_rank(int64_t group, uint32_t core) {
  return core >= 64 ? 0 : group_size(int64_t(uint64_t(group) & ((uint64_t(1) << core) - 1)));
}
std::string group_text(int64_t group);  // "{0,1,2,3}"

// The first rule `in` breaks, or nothing. `core` is the issuing core (-1: unknown).
std::optional<std::string> collective_error(const Instr& in, uint32_t cores_per_chip, int64_t core);

}  // namespace npulab::isa
