// Who owns what: `count` items (chips, sweep points) split over `ranks` ranks in contiguous
// blocks, the first count % ranks ranks one item more. Contiguous so that neighbouring chips
// (which the collectives' rings and meshes talk between most) share a process, and so that a
// sweep's points on one system share the rank that built its performance table.
#pragma once
#include <cstdint>

#include "common/error.h"

namespace npulab::dist {

struct Block {
  uint64_t begin = 0, end = 0;  // items [begin, end)
  bool contains(uint64_t i) const { return i >= begin && i < end; }
};

inline Block block_of(uint64_t count, int ranks, int rank) {
  const uint64_t r = uint64_t(ranks), k = uint64_t(rank), base = count / r, extra = count % r;
  const uint64_t begin = k * base + (k < extra ? k : extra);
  return {begin, begin + base + (k < extra ? 1 : 0)};
}

inline int owner_of(uint64_t item, uint64_t count, int ranks) {
  if (item >= count) fail("internal: item {} of {} has no owner", item, count);
  const uint64_t r = uint64_t(ranks), base = count / r, extra = count % r;
  const uint64_t big = extra * (base + 1);  // items held by the ranks with one more
  return int(item < big ? item / (base + 1) : extra + (item - big) / base);
}

}  // namespace npulab::dist
