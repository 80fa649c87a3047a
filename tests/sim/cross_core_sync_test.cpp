// Cross-core synchronisation: a completion that signals another core's semaphore orders
// that core's waiter after it, in time and for the race detector (whose clocks span the
// chip); without it two cores sharing HBM bytes race, reported naming both instructions.
#include <gtest/gtest.h>

#include "common/error.h"
#include "sched_util.h"

namespace npulab::sim {
namespace {

using namespace testutil;
using isa::Stream;

isa::Instr remote(isa::Instr in, int8_t core, int16_t sem) {
  in.signal = sem;
  in.signal_core = core;
  return in;
}

bool mentions(const RaceReport& r, const std::string& s) { return r.message.find(s) != std::string::npos; }

std::string run_error(const isa::Executable& exe) {
  try {
    run(exe);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Core 0 stores a tile to HBM; core 1 loads the same bytes, ordered by `order`:
// 0 = not at all, 1 = the store signals core 1's s5 and the load waits for it.
isa::Executable producer_consumer(int order) {
  auto exe = make_exe(2, 1);
  const auto x = hbm(DType::F32, 128, 256, 1 << 20);
  auto store = dma(x, sbuf(DType::F32, 128, 256));
  auto load = dma(sbuf(DType::F32, 128, 256, 4096), x);
  if (order == 1) {
    store = remote(store, 1, 5);
    load = with_wait(load, 5, 1);
  }
  stream(exe, Stream::DVE, 0).push_back(with_signal(memset(sbuf(DType::F32, 128, 256), 3.0f), 0));
  dmaq(exe, 0, 0).push_back(with_wait(store, 0, 1));
  dmaq(exe, 0, 1).push_back(load);
  return exe;
}

TEST(CrossCoreSync, UnorderedSharedHbmRacesNamingBothCores) {
  const auto r = run(producer_consumer(0), Mode::TimingOnly, true).races;
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(mentions(r[0], "HBM")) << r[0].message;
  EXPECT_TRUE(mentions(r[0], "core0.dma0[0]")) << r[0].message;
  EXPECT_TRUE(mentions(r[0], "core1.dma0[0]")) << r[0].message;
  EXPECT_TRUE(mentions(r[0], "dma_copy")) << r[0].message;
}

TEST(CrossCoreSync, RemoteSignalOrdersTheWaiterInTimeAndForTheDetector) {
  for (Mode mode : {Mode::TimingOnly, Mode::Functional}) {
    Chip chip(trn2(), mode);
    const auto exe = producer_consumer(1);
    SimOptions o;
    o.mode = mode;
    o.check_races = true;
    const SimResult r = chip.run(exe, o);
    EXPECT_TRUE(r.races.empty()) << r.races[0].message;
    // The load starts only after the store finished: the two DMAs do not overlap, so the
    // total is at least both of them end to end.
    const SimResult unordered = run(producer_consumer(0), mode);
    EXPECT_GT(r.total_ns, unordered.total_ns + 1000.0);
    EXPECT_NEAR(busy_of(r, "core1.dma0"), busy_of(unordered, "core1.dma0"), 1e-6);
    if (mode == Mode::Functional) {  // core 1 read what core 0 wrote
      Chip c2(trn2(), Mode::Functional);
      auto e2 = exe;
      // Copy the loaded tile back to another HBM block to read it from the host.
      auto back = with_wait(dma(hbm(DType::F32, 128, 256, 2 << 20), sbuf(DType::F32, 128, 256, 4096)), 6, 1);
      e2.cores[1].streams[isa::dma_stream(0)][0].signal = 6;
      e2.cores[1].streams[isa::dma_stream(0)].push_back(back);
      c2.run(e2);
      float v = 0;
      c2.hbm().read((2 << 20) + 4 * 1000, &v, 4);
      EXPECT_EQ(v, 3.0f);
    }
  }
}

TEST(CrossCoreSync, OrderingIsTransitiveAcrossCores) {
  // core0.dve writes HBM -> signals core0.sp -> sp signals core 2 -> core2.dma reads: ordered.
  auto exe = make_exe(3, 1);
  const auto x = hbm(DType::F32, 1, 64, 0);
  dmaq(exe, 0, 0).push_back(with_signal(dma(x, sbuf(DType::F32, 1, 64)), 1));
  stream(exe, Stream::SP, 0).push_back(remote(with_wait(ctrl(isa::Opcode::nop), 1, 1), 2, 7));
  dmaq(exe, 0, 2).push_back(with_wait(dma(sbuf(DType::F32, 1, 64), x), 7, 1));
  EXPECT_TRUE(run(exe, Mode::TimingOnly, true).races.empty());
  // A wait for a value the remote signal never reaches is a deadlock naming the waiter.
  dmaq(exe, 0, 2)[0] = with_wait(dma(sbuf(DType::F32, 1, 64), x), 7, 2);
  const std::string e = run_error(exe);
  EXPECT_NE(e.find("deadlock"), std::string::npos) << e;
  EXPECT_NE(e.find("core2.dma0[0]"), std::string::npos) << e;
  EXPECT_NE(e.find("sem 7 >= 2"), std::string::npos) << e;
}

TEST(CrossCoreSync, SignalToACoreTheProgramLacksIsAnError) {
  auto exe = make_exe(2, 1);
  stream(exe, Stream::SP, 0).push_back(remote(ctrl(isa::Opcode::nop), 3, 0));
  const std::string e = run_error(exe);
  EXPECT_NE(e.find("core 3 but the executable has 2 cores"), std::string::npos) << e;
  EXPECT_NE(e.find("core0.sp[0]"), std::string::npos) << e;
}

}  // namespace
}  // namespace npulab::sim
