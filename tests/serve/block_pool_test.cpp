// The KV block pool: reference counts, the free queue's LRU order, and prefix registrations
// that survive a release and are evicted when the block is reused.
#include <gtest/gtest.h>

#include <vector>

#include "common/error.h"
#include "serve/block_pool.h"
#include "serve/kv_cache_manager.h"

namespace npulab::serve {
namespace {

std::vector<int32_t> ids(int32_t base, int n) {
  std::vector<int32_t> v;
  for (int i = 0; i < n; ++i) v.push_back(base + i);
  return v;
}

TEST(BlockPool, AllocatesInOrderAndCountsFree) {
  BlockPool p(4, 2, true);
  std::vector<int32_t> got;
  p.allocate(3, got);
  EXPECT_EQ(got, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(p.num_free(), 1);
  EXPECT_EQ(p.ref_count(1), 1);
  EXPECT_THROW(p.allocate(2, got), Error);
  p.release(1);
  EXPECT_EQ(p.num_free(), 2);
  EXPECT_THROW(p.release(1), Error);  // more releases than references
}

TEST(BlockPool, EvictsLeastRecentlyFreedCachedBlockFirst) {
  BlockPool p(3, 2, true);
  std::vector<int32_t> got;
  p.allocate(3, got);
  ASSERT_TRUE(p.register_block(0, 100, ids(0, 2)));
  ASSERT_TRUE(p.register_block(1, 101, ids(10, 2)));
  ASSERT_TRUE(p.register_block(2, 102, ids(20, 2)));
  p.release(1);  // freed first: evicted first
  p.release(0);
  p.release(2);
  EXPECT_EQ(p.num_cached(), 3);
  EXPECT_EQ(p.lookup(101, ids(10, 2)), 1);
  std::vector<int32_t> again;
  p.allocate(1, again);
  EXPECT_EQ(again, std::vector<int32_t>{1});
  EXPECT_EQ(p.lookup(101, ids(10, 2)), -1);  // its registration went with the reuse
  EXPECT_EQ(p.lookup(100, ids(0, 2)), 0);
  EXPECT_EQ(p.evictions(), 1);
  // A hit on a free cached block takes it out of the free queue.
  p.touch(0);
  EXPECT_EQ(p.ref_count(0), 1);
  EXPECT_EQ(p.num_free(), 1);
  again.clear();
  p.allocate(1, again);
  EXPECT_EQ(again, std::vector<int32_t>{2});
}

TEST(BlockPool, HashCollisionWithOtherIdsIsAMiss) {
  BlockPool p(2, 2, true);
  std::vector<int32_t> got;
  p.allocate(2, got);
  ASSERT_TRUE(p.register_block(0, 7, ids(0, 2)));
  EXPECT_FALSE(p.register_block(1, 7, ids(0, 2)));  // a second holder of the hash is not registered
  EXPECT_EQ(p.lookup(7, ids(5, 2)), -1);
}

TEST(BlockPool, CachingOffNeverHits) {
  BlockPool p(2, 2, false);
  std::vector<int32_t> got;
  p.allocate(1, got);
  EXPECT_FALSE(p.register_block(0, 7, ids(0, 2)));
  EXPECT_EQ(p.lookup(7, ids(0, 2)), -1);
}

TEST(BlockHash, ChainsThePrefix) {
  const auto a = ids(0, 4), b = ids(1, 4);
  EXPECT_NE(block_hash(0, a), block_hash(0, b));
  EXPECT_NE(block_hash(1, a), block_hash(2, a));  // same ids after another prefix
  EXPECT_EQ(block_hash(3, a), block_hash(3, a));
}

TEST(BlockPool, RejectsBadSizes) {
  EXPECT_THROW(BlockPool(0, 16, true), Error);
  EXPECT_THROW(BlockPool(4, 0, true), Error);
}

}  // namespace
}  // namespace npulab::serve
