// Scheduler behaviour: semaphore ordering, loops via registers and branches, deadlock and
// runaway-loop errors, run-time bounds of register-relative operands, functional vs
// timing-only equivalence, no storage in timing-only mode, timing-only speed.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>

#include "common/error.h"
#include "sched_util.h"

namespace npulab::sim {
namespace {

using namespace testutil;
using isa::Opcode;
using isa::Stream;

constexpr uint64_t kIn = 1 << 20, kOut = 2 << 20;  // HBM addresses of input and output

// DMA-in (4 chunks of 128 x 64 f32, each signals s0) -> ACT x2 per chunk (waits for its
// chunk, signals s1) -> DMA-out (waits for all 4). `looped`: the ACT stream is a register
// loop; otherwise its unrolled twin.
isa::Executable pipeline(bool looped) {
  auto exe = make_exe(1, 2);
  for (uint32_t i = 0; i < 4; ++i) {
    auto src = hbm(DType::F32, 128, 64, kIn + i * 256, 256);
    dmaq(exe, 0).push_back(with_signal(dma(sbuf(DType::F32, 128, 64, i * 256), src), 0));
  }
  auto& act = stream(exe, Stream::ACT);
  act.push_back(ctrl(Opcode::reg_set, 0, 0));
  if (looped) {
    auto dst = sbuf(DType::F32, 128, 64, 4096), src = sbuf(DType::F32, 128, 64, 0);
    dst.offset_reg = src.offset_reg = 0;
    dst.offset_reg_scale = src.offset_reg_scale = 256;
    act.push_back(with_signal(with_wait(activation(dst, src, isa::ActFunc::identity, 2.0f), 0, 1, 0, 1), 1));
    act.push_back(ctrl(Opcode::reg_add, 0, 1));
    act.push_back(ctrl(Opcode::branch_lt, 0, 4, 1));
  } else {
    for (uint32_t i = 0; i < 4; ++i)
      act.push_back(with_signal(with_wait(activation(sbuf(DType::F32, 128, 64, 4096 + i * 256),
                                                     sbuf(DType::F32, 128, 64, i * 256),
                                                     isa::ActFunc::identity, 2.0f),
                                          0, int64_t(i) + 1),
                                1));
  }
  dmaq(exe, 1).push_back(with_wait(dma(hbm(DType::F32, 128, 256, kOut), sbuf(DType::F32, 128, 256, 4096)), 1, 4));
  return exe;
}

std::vector<float> input() {
  std::vector<float> x(128 * 256);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(int(i % 1000) - 500) * 0.25f;
  return x;
}

SimResult run_pipeline(bool looped, Mode mode, std::vector<float>* out = nullptr) {
  Chip chip(trn2(), mode);
  const auto x = input();
  if (mode == Mode::Functional) chip.hbm().write(kIn, x.data(), x.size() * 4);
  SimOptions o;
  o.mode = mode;
  const SimResult r = chip.run(pipeline(looped), o);
  if (out) {
    out->resize(x.size());
    chip.hbm().read(kOut, out->data(), out->size() * 4);
  }
  return r;
}

TEST(SchedPrograms, SemaphoresOrderThePipeline) {
  std::vector<float> out;
  const SimResult r = run_pipeline(false, Mode::Functional, &out);
  const auto x = input();
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(out[i], 2.0f * x[i]) << i;
  // DMA-out starts only after the last activation, which starts after the last load.
  const double act = busy_of(r, "core0.act"), in = busy_of(r, "core0.dma0"), outq = busy_of(r, "core0.dma1");
  EXPECT_GT(r.total_ns, outq + act / 4 + in / 4);
  EXPECT_TRUE(r.races.empty());
  EXPECT_EQ(r.instrs, 4u + 5u + 1u);
  EXPECT_GT(r.hbm_bytes_read, 0);
  EXPECT_EQ(r.hbm_bytes_written, 128.0 * 256 * 4);
}

TEST(SchedPrograms, LoopEqualsUnrolledTwinInResultAndTime) {
  std::vector<float> a, b;
  const SimResult looped = run_pipeline(true, Mode::Functional, &a);
  const SimResult unrolled = run_pipeline(false, Mode::Functional, &b);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * 4), 0);
  EXPECT_EQ(looped.total_ns, unrolled.total_ns);
  EXPECT_EQ(busy_of(looped, "core0.act"), busy_of(unrolled, "core0.act"));
  EXPECT_EQ(looped.instrs, unrolled.instrs + 4 * 2);  // reg_add + branch per iteration
}

TEST(SchedPrograms, FunctionalAndTimingOnlyGiveIdenticalTiming) {
  for (bool looped : {false, true}) {
    const SimResult f = run_pipeline(looped, Mode::Functional);
    const SimResult t = run_pipeline(looped, Mode::TimingOnly);
    EXPECT_EQ(f.total_ns, t.total_ns);
    EXPECT_EQ(f.instrs, t.instrs);
    ASSERT_EQ(f.streams.size(), t.streams.size());
    for (size_t i = 0; i < f.streams.size(); ++i) EXPECT_EQ(f.streams[i].busy_ns, t.streams[i].busy_ns);
  }
}

TEST(SchedPrograms, TimingOnlyAllocatesNoStorage) {
  Chip chip(trn2(), Mode::TimingOnly);
  SimOptions o;
  o.mode = Mode::TimingOnly;
  chip.run(pipeline(true), o);
  EXPECT_FALSE(chip.hbm().has_data());
  EXPECT_EQ(chip.hbm().pages_allocated(), 0u);
}

TEST(SchedPrograms, DeadlockNamesBlockedStreamsAndWaits) {
  auto exe = make_exe();
  stream(exe, Stream::ACT).push_back(with_wait(memset(sbuf(DType::F32, 128, 64), 1.0f), 5, 1));
  stream(exe, Stream::DVE).push_back(with_signal(memset(sbuf(DType::F32, 128, 64, 512), 1.0f), 6));
  stream(exe, Stream::POOL).push_back(with_wait(memset(sbuf(DType::F32, 128, 64, 1024), 1.0f), 6, 2));
  try {
    run(exe);
    FAIL() << "expected a deadlock error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("deadlock"), std::string::npos) << m;
    EXPECT_NE(m.find("core0.act[0]"), std::string::npos) << m;
    EXPECT_NE(m.find("sem 5 >= 1"), std::string::npos) << m;
    EXPECT_NE(m.find("core0.pool[0]"), std::string::npos) << m;
    EXPECT_NE(m.find("sem 6 >= 2 (sem 6 = 1)"), std::string::npos) << m;
    EXPECT_NE(m.find("memset"), std::string::npos) << m;
  }
}

TEST(SchedPrograms, MaxInstructionsStopsRunawayLoops) {
  auto exe = make_exe();
  stream(exe, Stream::SP).push_back(ctrl(Opcode::jump, 0, 0, 0));
  Chip chip(trn2(), Mode::TimingOnly);
  SimOptions o;
  o.max_instructions = 1000;
  EXPECT_THROW(chip.run(exe, o), Error);
}

// `body` run `iters` times by a register loop on r3 (reg_set / body / reg_add / branch_lt).
void register_loop(std::vector<isa::Instr>& stream, const isa::Instr& body, int64_t iters) {
  stream.push_back(ctrl(Opcode::reg_set, 3, 0));
  stream.push_back(body);
  stream.push_back(ctrl(Opcode::reg_add, 3, 1));
  stream.push_back(ctrl(Opcode::branch_lt, 3, iters, 1));
}

// Runs `exe` expecting an out-of-bounds error that names `where` (and `what`, if given).
void expect_out_of_bounds(const isa::Executable& exe, Mode mode, const char* where, const char* what = "") {
  try {
    run(exe, mode);
    FAIL() << "expected an out-of-bounds error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(where), std::string::npos) << m;
    EXPECT_NE(m.find("out of bounds"), std::string::npos) << m;
    EXPECT_NE(m.find(what), std::string::npos) << m;
  }
}

TEST(SchedPrograms, RegisterRelativeOperandsAreBoundsCheckedAtRunTime) {
  for (Mode mode : {Mode::Functional, Mode::TimingOnly}) {
    auto exe = make_exe();
    auto dst = sbuf(DType::F32, 128, 64);
    dst.offset_reg = 3;
    dst.offset_reg_scale = 4096;
    register_loop(stream(exe, Stream::DVE), memset(dst, 0.0f), 100);  // walks off the end of SBUF
    expect_out_of_bounds(exe, mode, "core0.dve[1]");
  }
}

// Timing-only DMAs check register-relative operands against a precomputed register range
// (the scheduler's fast path): the same error, naming the instruction, in both modes,
// whether the HBM or the SBUF side walks out of bounds.
TEST(SchedPrograms, RegisterRelativeDmaOperandsAreBoundsCheckedAtRunTime) {
  for (Mode mode : {Mode::Functional, Mode::TimingOnly})
    for (bool hbm_side : {true, false}) {
      auto exe = make_exe();
      auto dst = sbuf(DType::F32, 8, 64);
      auto src = hbm(DType::F32, 8, 64, 0);
      if (hbm_side) {
        src.offset_reg = 3;
        src.offset_reg_scale = int64_t(trn2().hbm.capacity_bytes / 50);
      } else {
        dst.offset_reg = 3;
        dst.offset_reg_scale = 4096;
      }
      register_loop(dmaq(exe, 0), dma(dst, src), 100);
      expect_out_of_bounds(exe, mode, "core0.dma0[1]", hbm_side ? "HBM" : "SBUF");
    }
}

// The precomputed in-bounds register range is exact at both ends, for either sign of scale:
// a register-relative SBUF destination whose last valid iteration is the 56th.
TEST(SchedPrograms, RegisterRelativeDmaBoundsAreExactAtTheEdges) {
  const uint64_t bpp = trn2().sbuf.bytes_per_partition, last = (bpp - 256) / 4096;  // 256 bytes per row
  for (int64_t sign : {1, -1})
    for (uint64_t iters : {last + 1, last + 2}) {
      auto exe = make_exe();
      auto dst = sbuf(DType::F32, 8, 64, sign > 0 ? 0 : last * 4096);
      dst.offset_reg = 3;
      dst.offset_reg_scale = sign * 4096;
      register_loop(dmaq(exe, 0), dma(dst, hbm(DType::F32, 8, 64, 0)), int64_t(iters));
      if (iters == last + 1) {
        EXPECT_NO_THROW(run(exe, Mode::TimingOnly)) << "sign " << sign;
      } else {
        EXPECT_THROW(run(exe, Mode::TimingOnly), Error) << "sign " << sign;
      }
    }
}

TEST(SchedPrograms, SeveralChipsInOneProcessAreIndependent) {
  Chip a(trn2(), Mode::TimingOnly), b(trn2(), Mode::TimingOnly);
  const auto exe = pipeline(true);
  EXPECT_EQ(a.run(exe).total_ns, b.run(exe).total_ns);
  EXPECT_EQ(a.run(exe).total_ns, b.run(exe).total_ns);  // no state leaks between runs
}

TEST(SchedPrograms, TimingOnlyIsFast) {
  // Three engines each run a 100k-iteration loop of a small op + reg_add + branch.
  auto exe = make_exe();
  uint32_t i = 0;
  for (Stream s : {Stream::DVE, Stream::ACT, Stream::POOL}) {
    auto& code = stream(exe, s);
    code.push_back(ctrl(Opcode::reg_set, 0, 0));
    code.push_back(memset(sbuf(DType::BF16, 128, 64, 1024 * i++), 0.0f));
    code.push_back(ctrl(Opcode::reg_add, 0, 1));
    code.push_back(ctrl(Opcode::branch_lt, 0, 100000, 1));
  }
  const auto t0 = std::chrono::steady_clock::now();
  const SimResult r = run(exe);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.instrs, 3u * (1 + 3 * 100000));
  const double rate = double(r.instrs) / secs;
  RecordProperty("instructions_per_second", std::to_string(rate));
  std::printf("timing-only: %.2f M simulated instructions per host second\n", rate / 1e6);
  EXPECT_GT(rate, 1e6);  // loose: the machine is shared; docs/SIMULATOR.md has the measurement
}

}  // namespace
}  // namespace npulab::sim
