// Background LoadStationary (sim/scheduler/pe_pipeline.h, docs/SIMULATOR.md): the next
// matmul's LoadStationary overlaps the current MultiplyMoving when its stationary is ready,
// is delayed until its stationary is written when it is not, and shows when it is longer
// than the MultiplyMoving it hides behind.
#include <gtest/gtest.h>

#include <algorithm>

#include "sched_util.h"

namespace npulab::sim {
namespace {
using namespace testutil;
using isa::Stream;

double run_on(const arch::ChipConfig& cfg, const isa::Executable& exe, Mode mode = Mode::TimingOnly) {
  Chip chip(cfg, mode);
  SimOptions o;
  o.mode = mode;
  o.check_races = true;
  const SimResult r = chip.run(exe, o);
  EXPECT_TRUE(r.races.empty());
  return r.total_ns;
}

// matmul into PSUM bank `bank` with the 128-column BF16 stationary at SBUF byte `st_off`.
isa::Instr mm(uint64_t st_off, uint32_t bank, uint32_t n = 512) {
  return matmul(psum(128, n, uint64_t(bank) * 2048), sbuf(DType::BF16, 128, 128, st_off),
                sbuf(DType::BF16, 128, n, 65536));
}

TEST(PeBackgroundLoad, NextStationaryLoadsBehindTheCurrentMultiply) {
  const auto& te = trn2().tensor;
  const double ls = te.load_stationary_fast_cycles / te.clock_ghz, mmt = 512 / te.clock_ghz;
  auto two = [&](uint64_t second_st) {
    auto exe = make_exe();
    stream(exe, Stream::PE).push_back(mm(0, 0));
    stream(exe, Stream::PE).push_back(mm(second_st, 1));
    return run_on(trn2(), exe);
  };
  // The first LoadStationary has nothing to hide behind; the second (a new stationary)
  // costs nothing more than reusing the first one.
  EXPECT_NEAR(two(0), ls + 2 * mmt, 0.01);
  EXPECT_NEAR(two(256), ls + 2 * mmt, 0.01);
}

// The last matmul's stationary is written by the vector engine, which finishes at t_w; its
// load starts at max(t_w, start of the multiply before) and its multiply at max(end of the
// one before, end of its load). Sweeping the vector op's size moves t_w from
// inside the first multiply (hidden), across its last LoadStationary-long stretch (partly
// hidden) to after it (the whole load shows).
TEST(PeBackgroundLoad, LoadWaitsForItsStationaryToBeWritten) {
  const auto& te = trn2().tensor;
  const double ls = te.load_stationary_fast_cycles / te.clock_ghz, mmt = 512 / te.clock_ghz;
  const isa::TensorRef st = sbuf(DType::BF16, 128, 128, 0);
  bool hidden = false, partly = false, shown = false;
  for (uint32_t free = 1; free <= 2048; free += 7) {
    auto exe = make_exe();
    stream(exe, Stream::DVE).push_back(with_signal(memset(sbuf(DType::F32, 128, free, 1024), 1.0f), 0));
    stream(exe, Stream::DVE).push_back(with_signal(tensor_copy(st, sbuf(DType::BF16, 128, 128, 1024)), 0));
    auto& pe = stream(exe, Stream::PE);
    for (uint32_t bank = 0; bank < 4; ++bank)  // one stationary, multiply i in [ls + i mmt, ls + (i+1) mmt]
      pe.push_back(mm(256, bank));
    pe.push_back(with_wait(mm(0, 4), 0, 2));   // a new stationary, written by the copy
    auto copy_alone = make_exe();
    stream(copy_alone, Stream::DVE) = stream(exe, Stream::DVE);
    const double t_w = run_on(trn2(), copy_alone);  // when the stationary is written
    const double prev_start = ls + 3 * mmt, prev_end = ls + 4 * mmt;
    const double load_end = std::max(prev_start, t_w) + ls;
    const double expect = std::max(prev_end, load_end) + mmt;
    const double t = run_on(trn2(), exe);
    EXPECT_NEAR(t, expect, 0.01) << "free " << free << ", stationary written at " << t_w;
    if (free % 140 == 1) EXPECT_EQ(run_on(trn2(), exe, Mode::Functional), t) << "free " << free;
    hidden |= load_end <= prev_end;
    partly |= t_w < prev_end && load_end > prev_end;
    shown |= t_w >= prev_end;
  }
  EXPECT_TRUE(hidden && partly && shown) << "the sweep must cover all three cases";
}

// An LoadStationary longer than the multiply before it sets the pace: one matmul every LS.
TEST(PeBackgroundLoad, LongLoadShowsBeyondAShortMultiply) {
  arch::ChipConfig cfg = trn2();
  cfg.tensor.load_stationary_fast_cycles = 200;
  const double clk = cfg.tensor.clock_ghz, mmt = cfg.tensor.min_issue_cycles / clk;
  ASSERT_LT(mmt, 200 / clk);
  auto exe = make_exe();
  for (uint32_t i = 0; i < 4; ++i) stream(exe, Stream::PE).push_back(mm(uint64_t(i) * 256, i, 64));
  EXPECT_NEAR(run_on(cfg, exe), 4 * 200 / clk + mmt, 0.01);
  // With a load shorter than the multiply the multiplies run back to back.
  cfg.tensor.load_stationary_fast_cycles = 32;
  EXPECT_NEAR(run_on(cfg, exe), 32 / clk + 4 * mmt, 0.01);
}

// A transpose is a matmul with its source as the stationary: its load hides the same way,
// and the next matmul reloads its own stationary (in the background too).
TEST(PeBackgroundLoad, TransposesLoadInTheBackgroundToo) {
  const auto& te = trn2().tensor;
  const double ls = te.load_stationary_fast_cycles / te.clock_ghz, mmt = 512 / te.clock_ghz;
  const double tr = std::max<double>(128, te.min_issue_cycles) / te.clock_ghz;
  auto exe = make_exe();
  isa::Instr t;
  t.op = isa::Opcode::transpose;
  t.t[0] = psum(128, 128, 4096);
  t.t[1] = sbuf(DType::BF16, 128, 128, 512);
  stream(exe, Stream::PE).push_back(mm(0, 0));
  stream(exe, Stream::PE).push_back(t);
  stream(exe, Stream::PE).push_back(mm(0, 1));
  EXPECT_NEAR(run_on(trn2(), exe), ls + mmt + tr + mmt, 0.01);
}

}  // namespace
}  // namespace npulab::sim
