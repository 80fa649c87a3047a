// Every built-in chip loads, and the loaded numbers are the documented ones
// (docs/REFERENCES.md, NC §1.1: cores, SBUF, PSUM, HBM).
#include <gtest/gtest.h>

#include <algorithm>

#include "arch/chip.h"
#include "common/error.h"

using npulab::arch::ChipConfig;
using npulab::arch::load_chip_by_name;

namespace {

constexpr uint64_t KiB = 1024, MiB = KiB * KiB, GiB = MiB * KiB;

TEST(ChipLoad, BuiltinNamesAreTheFourChips) {
  auto names = npulab::arch::builtin_chip_names();
  for (const char* n : {"inf2", "trn1", "trn2", "trn3"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(ChipLoad, EveryBuiltinLoadsAndIsNamedAfterItsFile) {
  for (const auto& n : npulab::arch::builtin_chip_names()) {
    ChipConfig c = load_chip_by_name(n);
    EXPECT_EQ(c.name, n);
    EXPECT_NE(c.source_file.find("hw/" + n + ".toml"), std::string::npos);
    EXPECT_FALSE(c.description.empty());
  }
}

TEST(ChipLoad, PathAndNameGiveTheSameChip) {
  ChipConfig a = load_chip_by_name("trn2");
  ChipConfig b = load_chip_by_name(std::string(NPULAB_SOURCE_DIR) + "/hw/trn2.toml");
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.tensor.clock_ghz, b.tensor.clock_ghz);
  EXPECT_EQ(a.hbm.capacity_bytes, b.hbm.capacity_bytes);
}

struct MemDoc {
  const char* chip;
  uint32_t cores;
  uint64_t sbuf_bytes, hbm_bytes;
};

TEST(ChipLoad, DocumentedSizes) {
  // NC §1.1 (docs/REFERENCES.md): SBUF 24/28/32 MiB, PSUM 2 MiB in 8 banks, HBM 32/96/144 GiB.
  for (MemDoc d : {MemDoc{"trn1", 2, 24 * MiB, 32 * GiB}, MemDoc{"inf2", 2, 24 * MiB, 32 * GiB},
                   MemDoc{"trn2", 8, 28 * MiB, 96 * GiB}, MemDoc{"trn3", 8, 32 * MiB, 144 * GiB}}) {
    ChipConfig c = load_chip_by_name(d.chip);
    SCOPED_TRACE(d.chip);
    EXPECT_EQ(c.cores_per_chip, d.cores);
    EXPECT_EQ(c.sbuf.partitions, 128u);
    EXPECT_EQ(c.sbuf.total_bytes(), d.sbuf_bytes);
    EXPECT_EQ(c.sbuf.banks, 0u);
    EXPECT_EQ(c.psum.total_bytes(), 2 * MiB);
    EXPECT_EQ(c.psum.banks, 8u);
    EXPECT_EQ(c.psum.bank_bytes(), 2 * KiB);
    EXPECT_EQ(c.hbm.capacity_bytes, d.hbm_bytes);
    // NKI tile limits (REFERENCES.md NC §3): K, M <= 128, N <= 512 = one PSUM bank of FP32.
    EXPECT_EQ(c.tensor.rows, 128u);
    EXPECT_EQ(c.tensor.cols, 128u);
    EXPECT_EQ(c.tensor.max_moving_free * 4, c.psum.bank_bytes());
    EXPECT_EQ(c.dma.engines_per_core, 16u);
    EXPECT_EQ(c.dma.queues_per_engine, 16u);
  }
}

}  // namespace
