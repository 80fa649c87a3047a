// kernels/region.h: the byte regions the dependency tracker orders accesses by. Exact where
// cheap (rows of one stride), conservative otherwise; a false overlap costs a semaphore wait
// (a serialised DMA), a missed one a race, so both directions are checked.
#include <gtest/gtest.h>

#include "kernels/region.h"

namespace npulab::kernels {
namespace {

constexpr uint64_t kBpp = 65536;  // bytes per partition of the SBUF in these tests

isa::TensorRef sbuf_ref(uint16_t p0, uint16_t parts, uint64_t offset, uint32_t elems) {
  isa::TensorRef r;
  r.space = isa::Space::Sbuf;
  r.dtype = DType::F32;
  r.ndim = 1;
  r.part_start = p0;
  r.part_count = parts;
  r.offset = offset;
  r.dims[0] = {1, elems};
  return r;
}

bool overlap(const isa::TensorRef& a, const isa::TensorRef& b) {
  return overlaps(region_of(a, kBpp), region_of(b, kBpp)) && overlaps(region_of(b, kBpp), region_of(a, kBpp));
}
bool any_overlap(const isa::TensorRef& a, const isa::TensorRef& b) {
  return overlaps(region_of(a, kBpp), region_of(b, kBpp)) || overlaps(region_of(b, kBpp), region_of(a, kBpp));
}

TEST(Region, OnePartitionAgainstManyIsExact) {
  const auto full = sbuf_ref(0, 128, 0, 1024);  // bytes [0, 4096) of every partition
  // One partition, bytes right after (a DMA tail next to the full tiles): no overlap.
  EXPECT_FALSE(any_overlap(full, sbuf_ref(0, 1, 4096, 64)));
  EXPECT_FALSE(any_overlap(full, sbuf_ref(77, 1, 4096, 64)));
  // Inside the rows: overlap, in any partition the tile covers.
  EXPECT_TRUE(overlap(full, sbuf_ref(0, 1, 4092, 64)));
  EXPECT_TRUE(overlap(full, sbuf_ref(127, 1, 0, 1)));
  // Beyond the tile's partitions: none.
  const auto half = sbuf_ref(0, 64, 0, 1024);
  EXPECT_FALSE(any_overlap(half, sbuf_ref(64, 1, 0, 1)));
  EXPECT_TRUE(overlap(half, sbuf_ref(63, 1, 4000, 1)));
}

// A partition-broadcast read (all lanes read partition part_start) is one row: writes to
// that row are ordered with it, writes to the partitions its lanes stand for are not.
TEST(Region, PartitionBroadcastIsItsOneRow) {
  auto row = sbuf_ref(32, 128, 0, 64);
  row.part_bcast = true;
  const Region g = region_of(row, kBpp);
  EXPECT_EQ(g.rows, 1u);
  EXPECT_TRUE(overlap(row, sbuf_ref(32, 1, 128, 4)));
  EXPECT_TRUE(overlap(row, sbuf_ref(0, 128, 0, 64)));   // a full tile holds the row too
  EXPECT_FALSE(any_overlap(row, sbuf_ref(0, 32, 0, 64)));
  EXPECT_FALSE(any_overlap(row, sbuf_ref(33, 1, 0, 64)));
  EXPECT_FALSE(any_overlap(row, sbuf_ref(64, 64, 0, 64)));
}

TEST(Region, RowsOfOneStride) {
  EXPECT_FALSE(any_overlap(sbuf_ref(0, 64, 0, 16), sbuf_ref(0, 64, 64, 16)));
  EXPECT_TRUE(overlap(sbuf_ref(0, 64, 0, 16), sbuf_ref(32, 64, 32, 16)));
  EXPECT_FALSE(any_overlap(sbuf_ref(0, 32, 0, 16), sbuf_ref(32, 32, 0, 16)));
}

}  // namespace
}  // namespace npulab::kernels
