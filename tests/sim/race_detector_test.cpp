// Race detector: positive and negative cases on SBUF, PSUM and HBM.
#include <gtest/gtest.h>

#include "sched_util.h"

namespace npulab::sim {
namespace {

using namespace testutil;
using isa::Opcode;
using isa::Stream;

std::vector<RaceReport> races(const isa::Executable& exe, Mode mode = Mode::TimingOnly) {
  return run(exe, mode, true).races;
}

bool mentions(const RaceReport& r, const std::string& s) { return r.message.find(s) != std::string::npos; }

TEST(RaceDetector, TwoEnginesWritingTheSameBytesWithoutSemaphoreRace) {
  for (Mode mode : {Mode::TimingOnly, Mode::Functional}) {
    auto exe = make_exe();
    stream(exe, Stream::DVE).push_back(memset(sbuf(DType::F32, 128, 64, 256), 1.0f));
    stream(exe, Stream::ACT).push_back(memset(sbuf(DType::F32, 128, 16, 448), 2.0f));  // overlaps
    const auto r = races(exe, mode);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(mentions(r[0], "core0.dve[0]")) << r[0].message;
    EXPECT_TRUE(mentions(r[0], "core0.act[0]")) << r[0].message;
    EXPECT_TRUE(mentions(r[0], "memset")) << r[0].message;
    EXPECT_TRUE(mentions(r[0], "SBUF")) << r[0].message;
    EXPECT_TRUE(mentions(r[0], "write")) << r[0].message;
  }
}

TEST(RaceDetector, SemaphoreOrderingRemovesTheRace) {
  auto exe = make_exe();
  stream(exe, Stream::DVE).push_back(with_signal(memset(sbuf(DType::F32, 128, 64, 256), 1.0f), 0));
  stream(exe, Stream::ACT).push_back(with_wait(memset(sbuf(DType::F32, 128, 16, 448), 2.0f), 0, 1));
  EXPECT_TRUE(races(exe).empty());
}

TEST(RaceDetector, DisjointBytesAndConcurrentReadsDoNotRace) {
  auto exe = make_exe();
  auto shared = sbuf(DType::F32, 128, 64, 0);
  stream(exe, Stream::DVE).push_back(tensor_copy(sbuf(DType::F32, 128, 64, 1024), shared));
  stream(exe, Stream::ACT).push_back(activation(sbuf(DType::F32, 128, 64, 2048), shared));
  stream(exe, Stream::POOL).push_back(memset(sbuf(DType::F32, 64, 64, 0, 64), 0.0f));  // partitions 64..127 only...
  // ...of bytes [0, 256) which the reads above also touch: that one races with both reads.
  const auto r = races(exe);
  ASSERT_EQ(r.size(), 2u);
  for (const auto& x : r) EXPECT_TRUE(mentions(x, "core0.pool[0]")) << x.message;
  // Without the POOL write: no race (read-read and disjoint writes).
  stream(exe, Stream::POOL).clear();
  EXPECT_TRUE(races(exe).empty());
}

// A partition-broadcast read touches only its one partition: a write to that row races
// with it, a write to the other partitions its lanes "see" does not.
TEST(RaceDetector, BroadcastReadTouchesOnlyItsRow) {
  for (Mode mode : {Mode::TimingOnly, Mode::Functional}) {
    auto exe = make_exe();
    auto row = sbuf(DType::F32, 1, 64, 0, 32);
    row.part_count = 128;
    row.part_bcast = true;
    stream(exe, Stream::DVE).push_back(tensor_copy(sbuf(DType::F32, 128, 64, 4096), row));
    stream(exe, Stream::ACT).push_back(memset(sbuf(DType::F32, 32, 64, 0, 0), 1.0f));    // partitions 0..31
    stream(exe, Stream::POOL).push_back(memset(sbuf(DType::F32, 32, 64, 0, 64), 2.0f));  // 64..95
    EXPECT_TRUE(races(exe, mode).empty());
    stream(exe, Stream::POOL).push_back(memset(sbuf(DType::F32, 1, 16, 128, 32), 3.0f));  // the row's bytes
    const auto r = races(exe, mode);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(mentions(r[0], "core0.dve[0]")) << r[0].message;
    EXPECT_TRUE(mentions(r[0], "core0.pool[1]")) << r[0].message;
    EXPECT_TRUE(mentions(r[0], "partition 32")) << r[0].message;
  }
}

TEST(RaceDetector, OrderingIsTransitive) {
  auto exe = make_exe();
  auto x = sbuf(DType::F32, 128, 64, 0);
  stream(exe, Stream::DVE).push_back(with_signal(memset(x, 1.0f), 0));
  stream(exe, Stream::ACT).push_back(with_signal(with_wait(memset(sbuf(DType::F32, 128, 64, 4096), 0.0f), 0, 1), 1));
  stream(exe, Stream::POOL).push_back(with_wait(memset(x, 2.0f), 1, 1));
  EXPECT_TRUE(races(exe).empty());
}

TEST(RaceDetector, WaitOrdersOnlyTheIncrementsItWaitedFor) {
  auto exe = make_exe();
  auto x = sbuf(DType::F32, 128, 64, 0), y = sbuf(DType::F32, 128, 64, 4096);
  auto& dve = stream(exe, Stream::DVE);
  dve.push_back(with_signal(memset(x, 1.0f), 0));
  dve.push_back(with_signal(memset(y, 1.0f), 0));
  auto& act = stream(exe, Stream::ACT);
  act.push_back(with_wait(activation(sbuf(DType::F32, 128, 64, 8192), x), 0, 1));   // ordered
  act.push_back(activation(sbuf(DType::F32, 128, 64, 12288), y));                    // not ordered
  const auto r = races(exe);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(mentions(r[0], "core0.dve[1]")) << r[0].message;
  EXPECT_TRUE(mentions(r[0], "core0.act[1]")) << r[0].message;
}

TEST(RaceDetector, MatmulAccumulationIntoPsumIsAReadModifyWrite) {
  auto exe = make_exe();
  stream(exe, Stream::PE).push_back(matmul(psum(128, 64), sbuf(DType::BF16, 128, 128), sbuf(DType::BF16, 128, 64, 1024)));
  stream(exe, Stream::ACT).push_back(activation(sbuf(DType::F32, 128, 64, 4096), psum(128, 64)));
  const auto r = races(exe);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(mentions(r[0], "PSUM")) << r[0].message;
  EXPECT_TRUE(mentions(r[0], "core0.pe[0]")) << r[0].message;
}

TEST(RaceDetector, HbmAcrossCoresAndRowInterleavedTiles) {
  // Core 0 and core 1 store different column blocks of the same row-major matrix: rows
  // interleave in HBM but no byte is shared -> no race.
  auto exe = make_exe(2, 1);
  const uint32_t cols = 1024;  // f32 matrix [128, 1024]
  for (uint32_t c = 0; c < 2; ++c)
    dmaq(exe, 0, c).push_back(dma(hbm(DType::F32, 128, 512, uint64_t(c) * 512 * 4, cols),
                                  sbuf(DType::F32, 128, 512)));
  EXPECT_TRUE(races(exe).empty());
  // Overlapping by one column block -> race between the cores.
  dmaq(exe, 0, 1)[0] = dma(hbm(DType::F32, 128, 512, 256 * 4, cols), sbuf(DType::F32, 128, 512));
  const auto r = races(exe);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(mentions(r[0], "HBM")) << r[0].message;
  EXPECT_TRUE(mentions(r[0], "core0.dma0[0]")) << r[0].message;
  EXPECT_TRUE(mentions(r[0], "core1.dma0[0]")) << r[0].message;
}

TEST(RaceDetector, EachPairIsReportedOnceEvenInLoops) {
  auto exe = make_exe();
  auto x = sbuf(DType::F32, 128, 64, 0);
  for (Stream s : {Stream::DVE, Stream::POOL}) {
    auto& code = stream(exe, s);
    code.push_back(ctrl(Opcode::reg_set, 0, 0));
    code.push_back(memset(x, 1.0f));
    code.push_back(ctrl(Opcode::reg_add, 0, 1));
    code.push_back(ctrl(Opcode::branch_lt, 0, 50, 1));
  }
  const auto r = races(exe);
  ASSERT_EQ(r.size(), 1u);
}

TEST(RaceDetector, DisabledMeansNoReports) {
  auto exe = make_exe();
  stream(exe, Stream::DVE).push_back(memset(sbuf(DType::F32, 128, 64), 1.0f));
  stream(exe, Stream::ACT).push_back(memset(sbuf(DType::F32, 128, 64), 2.0f));
  EXPECT_TRUE(run(exe, Mode::TimingOnly, false).races.empty());
  EXPECT_EQ(run(exe, Mode::TimingOnly, true).races.size(), 1u);
}

}  // namespace
}  // namespace npulab::sim

namespace npulab::sim {
namespace {
using namespace testutil;
using isa::Stream;

TEST(RaceDetectorBytes, NeighbouringBytesOfOneBlockDoNotRace) {
  // Two 16-byte chunks of the same 64-byte block, written by different unordered engines.
  auto exe = make_exe();
  stream(exe, Stream::DVE).push_back(memset(sbuf(DType::F32, 128, 4, 0), 1.0f));
  stream(exe, Stream::ACT).push_back(memset(sbuf(DType::F32, 128, 4, 16), 2.0f));
  // Strided: POOL writes the odd f32 of bytes [32, 64), DVE reads the even ones -> no race.
  isa::TensorRef odd = sbuf(DType::F32, 128, 4, 36), even = sbuf(DType::F32, 128, 4, 32);
  odd.dims[0].stride = even.dims[0].stride = 2;
  stream(exe, Stream::POOL).push_back(memset(odd, 3.0f));
  stream(exe, Stream::DVE).push_back(tensor_copy(sbuf(DType::F32, 128, 4, 4096), even));
  EXPECT_TRUE(run(exe, Mode::TimingOnly, true).races.empty());
  // One shared byte is enough.
  stream(exe, Stream::ACT)[0] = memset(sbuf(DType::F32, 128, 4, 12), 2.0f);
  EXPECT_EQ(run(exe, Mode::TimingOnly, true).races.size(), 1u);
}

TEST(RaceDetectorBytes, OrderedOverwriteKeepsTheOtherBytesTracked) {
  // DVE writes bytes [0,32); ACT (ordered after it) overwrites [0,16); POOL reads [16,32)
  // ordered after ACT but not after DVE -> races with DVE's write.
  auto exe = make_exe();
  stream(exe, Stream::DVE).push_back(with_signal(memset(sbuf(DType::F32, 128, 8, 0), 1.0f), 0));
  stream(exe, Stream::ACT).push_back(with_signal(with_wait(memset(sbuf(DType::F32, 128, 4, 0), 2.0f), 0, 1), 1));
  stream(exe, Stream::POOL).push_back(with_wait(tensor_copy(sbuf(DType::F32, 128, 4, 4096), sbuf(DType::F32, 128, 4, 16)), 1, 1));
  // POOL waits for ACT, which waited for DVE: ordered -> no race.
  EXPECT_TRUE(run(exe, Mode::TimingOnly, true).races.empty());
  // Without ACT's wait on DVE, POOL's read of [16,32) is unordered with DVE's write.
  stream(exe, Stream::ACT)[0].num_waits = 0;
  const auto r = run(exe, Mode::TimingOnly, true).races;
  bool dve_pool = false;
  for (const auto& x : r)
    dve_pool |= x.message.find("core0.dve[0]") != std::string::npos &&
                x.message.find("core0.pool[0]") != std::string::npos;
  EXPECT_TRUE(dve_pool);
}

TEST(RaceDetectorBytes, ManyPiecesOfOneBlockStayExact) {
  // Decode attention's zero-padded stationaries: POOL zeroes a block, DVE then writes one
  // f32 into it at bytes 0, 16 and 32 (four live writers of one block), and ACT reads
  // bytes [0, 12) ordered after the first copy only: no race (the records are exact; a
  // merged record would blame the later copies for the zeroed bytes). A read of the third
  // copy's bytes ordered after the first copy only is a real race, with that copy named.
  auto exe = make_exe();
  stream(exe, Stream::POOL).push_back(with_signal(memset(sbuf(DType::F32, 128, 16, 0), 0.0f), 0));
  for (uint64_t off : {0, 16, 32})
    stream(exe, Stream::DVE).push_back(
        with_signal(with_wait(tensor_copy(sbuf(DType::F32, 128, 1, off), sbuf(DType::F32, 128, 1, 4096)), 0, 1), 1));
  stream(exe, Stream::ACT).push_back(with_wait(tensor_copy(sbuf(DType::F32, 128, 3, 8192), sbuf(DType::F32, 128, 3, 0)), 1, 1));
  EXPECT_TRUE(run(exe, Mode::TimingOnly, true).races.empty());
  stream(exe, Stream::ACT).push_back(tensor_copy(sbuf(DType::F32, 128, 1, 8192 + 64), sbuf(DType::F32, 128, 1, 32)));
  const auto r = run(exe, Mode::TimingOnly, true).races;
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].message.find("core0.dve[2]") != std::string::npos) << r[0].message;
  EXPECT_TRUE(r[0].message.find("core0.act[1]") != std::string::npos) << r[0].message;
}

}  // namespace
}  // namespace npulab::sim
