// Contiguous blocks: every item owned exactly once, owner_of agrees with block_of, sizes
// differ by at most one (the first count % ranks ranks hold the extra item).
#include <gtest/gtest.h>

#include "common/error.h"
#include "dist/partition.h"

namespace npulab::dist {
namespace {

TEST(Partition, BlocksCoverEveryItemOnceAndAgreeWithOwnerOf) {
  for (uint64_t count : {1u, 2u, 5u, 16u, 17u, 64u})
    for (int ranks = 1; ranks <= int(count) && ranks <= 8; ++ranks) {
      uint64_t next = 0;
      for (int r = 0; r < ranks; ++r) {
        const Block b = block_of(count, ranks, r);
        EXPECT_EQ(b.begin, next) << count << " over " << ranks;
        EXPECT_EQ(b.end - b.begin, count / ranks + (uint64_t(r) < count % ranks ? 1 : 0));
        for (uint64_t i = b.begin; i < b.end; ++i) EXPECT_EQ(owner_of(i, count, ranks), r) << i;
        next = b.end;
      }
      EXPECT_EQ(next, count);
    }
}

TEST(Partition, SixteenChipsOverThreeRanks) {
  EXPECT_EQ(block_of(16, 3, 0).end, 6u);
  EXPECT_EQ(block_of(16, 3, 1).end, 11u);
  EXPECT_EQ(block_of(16, 3, 2).begin, 11u);
  EXPECT_THROW(owner_of(16, 16, 3), Error);
}

}  // namespace
}  // namespace npulab::dist
