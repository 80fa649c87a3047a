// Hostile programs and chips (issue 12): runaway loops stop at the instruction or
// simulated-time budget naming the stream and pc; register arithmetic stays within the
// documented 32-bit width; absurd durations saturate into the time budget instead of
// wrapping into a short run.
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "sched_util.h"

namespace npulab::sim {
namespace {
using namespace testutil;
using isa::Opcode;
using isa::Stream;

std::string error_of(const isa::Executable& exe, const SimOptions& o, const arch::ChipConfig& chip = trn2()) {
  Chip c(chip, o.mode);
  try {
    c.run(exe, o);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

SimOptions opts(Mode mode, uint64_t max_instructions = kDefaultMaxInstructions) {
  SimOptions o;
  o.mode = mode;
  o.check_races = false;
  o.max_instructions = max_instructions;
  return o;
}

TEST(HostileProgram, BranchToItselfStopsAtTheInstructionBudget) {
  for (Mode mode : {Mode::Functional, Mode::TimingOnly}) {
    auto exe = make_exe();
    // A register loop whose register never changes: r1 = 0; loop: branch_lt r1 < 1 -> loop.
    stream(exe, Stream::ACT).push_back(ctrl(Opcode::reg_set, 1, 0));
    stream(exe, Stream::ACT).push_back(ctrl(Opcode::branch_lt, 1, 1, 1));
    const std::string m = error_of(exe, opts(mode, 100000));
    EXPECT_NE(m.find("runaway loop?"), std::string::npos) << m;
    EXPECT_NE(m.find("100000 instructions"), std::string::npos) << m;
    EXPECT_NE(m.find("core0.act[1] `branch_lt"), std::string::npos) << m;
    EXPECT_NE(m.find("--max-instructions"), std::string::npos) << m;
  }
}

TEST(HostileProgram, DefaultOptionsHaveABudget) {
  const SimOptions o;
  EXPECT_EQ(o.max_instructions, kDefaultMaxInstructions);
  EXPECT_GT(o.max_sim_ns, 0);
}

TEST(HostileProgram, ActivationLoopStopsAtTheTimeBudget) {
  auto exe = make_exe();
  // An activation in an endless loop: data instructions advance simulated time.
  auto& act = stream(exe, Stream::ACT);
  act.push_back(activation(sbuf(DType::F32, 128, 64), sbuf(DType::F32, 128, 64, 1024), isa::ActFunc::exp));
  act.push_back(ctrl(Opcode::jump, 0, 0, 0));
  SimOptions o = opts(Mode::TimingOnly, 0);  // no instruction budget: time stops it
  o.max_sim_ns = 1e6;                        // 1 simulated ms
  const std::string m = error_of(exe, o);
  EXPECT_NE(m.find("runaway loop? simulated time passed the budget of 1 ms"), std::string::npos) << m;
  EXPECT_NE(m.find("core0.act["), std::string::npos) << m;
  EXPECT_NE(m.find("--max-sim-ms"), std::string::npos) << m;
}

TEST(HostileProgram, RegisterAddOverflowIsAnError) {
  auto exe = make_exe();
  auto& sp = stream(exe, Stream::SP);
  sp.push_back(ctrl(Opcode::reg_set, 2, isa::kRegMax - 1));
  sp.push_back(ctrl(Opcode::reg_add, 2, 1));  // = kRegMax: fine
  sp.push_back(ctrl(Opcode::reg_add, 2, 1));  // one past: refused
  const std::string m = error_of(exe, opts(Mode::TimingOnly));
  EXPECT_NE(m.find("core0.sp[2]"), std::string::npos) << m;
  EXPECT_NE(m.find("r2 = 2147483647 + 1 overflows the 32-bit register"), std::string::npos) << m;
  // Downwards too.
  auto down = make_exe();
  stream(down, Stream::SP).push_back(ctrl(Opcode::reg_set, 0, isa::kRegMin));
  stream(down, Stream::SP).push_back(ctrl(Opcode::reg_add, 0, -1));
  EXPECT_NE(error_of(down, opts(Mode::Functional)).find("overflows the 32-bit register"), std::string::npos);
}

TEST(HostileProgram, ImmediatesBeyondTheRegisterWidthAreRefused) {
  for (Opcode op : {Opcode::reg_set, Opcode::reg_add, Opcode::branch_lt}) {
    auto exe = make_exe();
    stream(exe, Stream::SP).push_back(ctrl(op, 0, int64_t(1) << 31, op == Opcode::branch_lt ? 1 : 0));
    const std::string m = error_of(exe, opts(Mode::TimingOnly));
    EXPECT_NE(m.find("2147483648 does not fit a 32-bit register"), std::string::npos) << m;
  }
}

// A chip whose DMA latency is absurd (the loader refuses 1e20 ns; a ChipConfig built in
// code is not checked): the duration saturates, so the run reaches the time budget
// instead of finishing "sooner" than with the real latency.
TEST(HostileProgram, AbsurdDurationsSaturateIntoTheTimeBudget) {
  auto exe = make_exe();
  dmaq(exe, 0).push_back(dma(sbuf(DType::F32, 128, 64), hbm(DType::F32, 128, 64)));
  const double real_ns = run(exe).total_ns;
  for (double latency : {1e20, 1e300}) {
    arch::ChipConfig chip = trn2();
    chip.dma.fixed_latency_ns = latency;
    const std::string m = error_of(exe, opts(Mode::TimingOnly), chip);
    EXPECT_NE(m.find("simulated time passed the budget"), std::string::npos) << latency << ": " << m;
    EXPECT_NE(m.find("core0.dma0[0]"), std::string::npos) << m;
  }
  // Within the budget, longer latency never means a shorter run.
  arch::ChipConfig slow = trn2();
  slow.dma.fixed_latency_ns = 1e6;
  Chip c(slow, Mode::TimingOnly);
  EXPECT_GT(c.run(exe, opts(Mode::TimingOnly)).total_ns, real_ns);
}

TEST(HostileProgram, HugeFreeSizesAreRefusedBeforeTheyWrap) {
  auto exe = make_exe();
  isa::TensorRef r = sbuf(DType::F32, 128, 1);
  r.ndim = 4;  // 4 x (2^32 - 1) elements with stride 0: the product wraps 64 bits
  for (auto& d : r.dims) d = {0, UINT32_MAX};
  stream(exe, Stream::DVE).push_back(memset(r, 1.0f));
  const std::string m = error_of(exe, opts(Mode::TimingOnly));
  EXPECT_NE(m.find("free size 4294967295 x 4294967295 x 4294967295 x 4294967295 exceeds"), std::string::npos) << m;
}

TEST(HostileProgram, WaitTargetsStayExact) {
  auto exe = make_exe();
  stream(exe, Stream::SP).push_back(with_wait(ctrl(Opcode::nop), 0, 0, 1, int64_t(1) << 40));
  EXPECT_NE(error_of(exe, opts(Mode::TimingOnly)).find("wait register scale 1099511627776 outside"),
            std::string::npos);
  auto big = make_exe();
  stream(big, Stream::SP).push_back(with_wait(ctrl(Opcode::nop), 0, INT64_MAX));
  EXPECT_NE(error_of(big, opts(Mode::TimingOnly)).find("wait value 9223372036854775807 outside"), std::string::npos);
}

}  // namespace
}  // namespace npulab::sim
