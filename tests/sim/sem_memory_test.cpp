// Simulated memories: fresh bytes are 0xFF, HBM pages are allocated lazily on write only,
// accesses crossing page boundaries are split correctly, bounds and timing-only mode.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "common/error.h"
#include "sim/memory.h"

namespace npulab::sim {
namespace {

TEST(SemMemory, ScratchpadStartsUninitialised) {
  Scratchpad s(4, 256, true);
  EXPECT_TRUE(s.has_data());
  for (uint32_t p = 0; p < 4; ++p)
    for (int i = 0; i < 256; ++i) ASSERT_EQ(s.row(p)[i], kUninitByte);
  EXPECT_EQ(s.row(2) - s.row(0), 512);
  Scratchpad t(128, 1 << 20, false);
  EXPECT_FALSE(t.has_data());
}

TEST(SemMemory, HbmIsLazyAndSplitsAcrossPages) {
  Hbm h(96ull << 30, true);  // a trn2-sized HBM costs nothing until touched
  EXPECT_EQ(h.pages_allocated(), 0u);
  std::vector<uint8_t> r(100);
  h.read(5ull << 30, r.data(), r.size());
  EXPECT_EQ(h.pages_allocated(), 0u);
  for (auto b : r) EXPECT_EQ(b, kUninitByte);
  std::vector<uint8_t> w(Hbm::kPageSize + 100);
  std::iota(w.begin(), w.end(), uint8_t(0));
  const uint64_t addr = 7 * Hbm::kPageSize - 50;  // spans 3 pages
  h.write(addr, w.data(), w.size());
  EXPECT_EQ(h.pages_allocated(), 3u);
  std::vector<uint8_t> back(w.size() + 20);
  h.read(addr - 10, back.data(), back.size());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(back[i], kUninitByte);
  for (size_t i = 0; i < w.size(); ++i) ASSERT_EQ(back[10 + i], w[i]);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(back[10 + w.size() + i], kUninitByte);
}

// HBM to HBM copies walk the pages of both sides (offsets that cross page boundaries at
// different places); bytes of pages never written arrive as kUninitByte.
TEST(SemMemory, HbmCopyAcrossPagesAndFromUntouchedPages) {
  Hbm h(1 << 24, true);
  const uint64_t P = Hbm::kPageSize, src = P - 100, dst = 5 * P - 3000, n = 2 * P + 500;
  std::vector<uint8_t> w(n);
  for (uint64_t i = 0; i < n; ++i) w[i] = uint8_t(i * 7 + 1);
  h.write(src, w.data(), n);
  h.copy(dst, src, n);
  std::vector<uint8_t> back(n);
  h.read(dst, back.data(), n);
  EXPECT_EQ(back, w);
  h.copy(dst, 9 * P + 17, 300);  // never written
  h.read(dst, back.data(), 300);
  for (int i = 0; i < 300; ++i) ASSERT_EQ(back[i], kUninitByte);
  EXPECT_THROW(h.copy((1 << 24) - 4, 0, 8), Error);
  EXPECT_THROW(Hbm(1 << 20, false).copy(0, 64, 8), Error);
}

TEST(SemMemory, HbmBoundsAndTimingOnly) {
  Hbm h(1 << 20, true);
  uint8_t b[8] = {};
  EXPECT_THROW(h.write((1 << 20) - 4, b, 8), Error);
  EXPECT_THROW(h.read(~0ull - 2, b, 8), Error);
  EXPECT_NO_THROW(h.write((1 << 20) - 8, b, 8));
  Hbm t(1ull << 40, false);
  EXPECT_FALSE(t.has_data());
  EXPECT_THROW(t.write(0, b, 8), Error);
  EXPECT_THROW(t.page_ptr(0), Error);
}

}  // namespace
}  // namespace npulab::sim
