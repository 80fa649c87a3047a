// sim::PreparedProgram: a program validated and precomputed once and run many times gives
// exactly what Chip::run(exe) gives; refresh() after an in-place patch validates the patched
// instruction and takes its new cost; misuse is an error, not a wrong answer.
#include <gtest/gtest.h>

#include "common/error.h"
#include "sched_util.h"

namespace npulab::sim {
namespace {

using namespace testutil;
using isa::Opcode;
using isa::Stream;

// DMA in (signals s0) -> activation (waits s0, signals s1) -> DMA out (waits s1), twice,
// plus a register loop on DVE.
isa::Executable program() {
  auto exe = make_exe(1, 2);
  for (uint32_t i = 0; i < 2; ++i) {
    dmaq(exe, 0).push_back(with_signal(dma(sbuf(DType::F32, 128, 256, i * 1024), hbm(DType::F32, 128, 256, i << 20)), 0));
    stream(exe, Stream::ACT).push_back(with_signal(
        with_wait(activation(sbuf(DType::F32, 128, 256, 8192 + i * 1024), sbuf(DType::F32, 128, 256, i * 1024)), 0,
                  i + 1),
        1));
    dmaq(exe, 1).push_back(
        with_wait(dma(hbm(DType::F32, 128, 256, (4 + i) << 20), sbuf(DType::F32, 128, 256, 8192 + i * 1024)), 1, i + 1));
  }
  auto& dve = stream(exe, Stream::DVE);
  dve.push_back(ctrl(Opcode::reg_set, 0, 0));
  dve.push_back(memset(sbuf(DType::F32, 128, 512, 16384), 1.0f));
  dve.push_back(ctrl(Opcode::reg_add, 0, 1));
  dve.push_back(ctrl(Opcode::branch_lt, 0, 5, 1));
  return exe;
}

void expect_same(const SimResult& a, const SimResult& b) {
  EXPECT_EQ(a.total_ns, b.total_ns);
  EXPECT_EQ(a.instrs, b.instrs);
  EXPECT_EQ(a.hbm_bytes_read, b.hbm_bytes_read);
  EXPECT_EQ(a.hbm_bytes_written, b.hbm_bytes_written);
  ASSERT_EQ(a.streams.size(), b.streams.size());
  for (size_t i = 0; i < a.streams.size(); ++i) EXPECT_EQ(a.streams[i].busy_ns, b.streams[i].busy_ns);
}

TEST(SchedPrepared, RepeatedPreparedRunsEqualPlainRuns) {
  const isa::Executable exe = program();
  for (const Mode mode : {Mode::TimingOnly, Mode::Functional}) {
    Chip chip(trn2(), mode);
    SimOptions o;
    o.mode = mode;
    const SimResult plain = chip.run(exe, o);
    const PreparedProgram prog = chip.prepare(exe);
    for (int i = 0; i < 3; ++i) expect_same(chip.run(prog, o), plain);
    o.check_races = true;
    expect_same(chip.run(prog, o), plain);
  }
}

TEST(SchedPrepared, RefreshTakesAPatchedInstructionsNewCost) {
  isa::Executable exe = program();
  Chip chip(trn2(), Mode::TimingOnly);
  PreparedProgram prog = chip.prepare(exe);
  const SimResult before = chip.run(prog);
  // Patch the first load to move four times the bytes (same SBUF tile, longer rows).
  isa::Instr& ld = dmaq(exe, 0)[0];
  ld.t[0] = sbuf(DType::F32, 128, 1024, 0);
  ld.t[1] = hbm(DType::F32, 128, 1024, 0);
  prog.refresh(0, isa::dma_stream(0), 0);
  const SimResult patched = chip.run(prog);
  expect_same(patched, chip.run(exe));
  EXPECT_GT(patched.hbm_bytes_read, before.hbm_bytes_read);
  // refresh_all gives the same.
  prog.refresh_all();
  expect_same(chip.run(prog), patched);
}

TEST(SchedPrepared, RefreshRejectsAnInvalidPatchAndMisuseIsAnError) {
  isa::Executable exe = program();
  Chip chip(trn2(), Mode::TimingOnly);
  PreparedProgram prog = chip.prepare(exe);
  dmaq(exe, 0)[1].t[0].offset = trn2().sbuf.bytes_per_partition;  // SBUF tile out of bounds
  EXPECT_THROW(prog.refresh(0, isa::dma_stream(0), 1), Error);
  EXPECT_THROW(prog.refresh(0, isa::dma_stream(0), 7), Error);  // no such instruction
  Chip other(trn2(), Mode::TimingOnly);
  EXPECT_THROW(other.run(prog), Error);
  // A stream that grew after preparation must be prepared again, not silently misread.
  dmaq(exe, 0)[1].t[0].offset = 1024;
  dmaq(exe, 0).push_back(dmaq(exe, 0)[1]);
  EXPECT_THROW(prog.refresh(0, isa::dma_stream(0), 0), Error);
}

// The tensor engine's cost depends on the stationary it holds. Static stationaries are
// interned at preparation; a register-relative one makes the stream compute costs at issue.
// Both must charge LoadStationary exactly when the held tile changes.
TEST(SchedPrepared, StationaryReuseIsTheSameForStaticAndRegisterRelativeStationaries) {
  auto mm = [](uint64_t st_off, uint32_t bank) {
    return matmul(psum(128, 512, bank * 2048), sbuf(DType::BF16, 128, 128, st_off), sbuf(DType::BF16, 128, 512, 65536));
  };
  // Static: stationaries A A B B A (3 loads), with the same control ops as the twin below.
  auto fixed = make_exe(1, 1);
  for (uint64_t off : {0, 0, 256, 256, 0}) {
    stream(fixed, Stream::PE).push_back(ctrl(Opcode::reg_set, 0, int64_t(off)));
    stream(fixed, Stream::PE).push_back(mm(off, 0));
  }
  // The same through a register: r0 = 0, 0, 256, 256, 0.
  auto dyn = make_exe(1, 1);
  auto& pe = stream(dyn, Stream::PE);
  for (int64_t off : {0, 0, 256, 256, 0}) {
    pe.push_back(ctrl(Opcode::reg_set, 0, off));
    isa::Instr in = mm(0, 0);
    in.t[1].offset_reg = 0;
    in.t[1].offset_reg_scale = 1;
    pe.push_back(in);
  }
  const SimResult a = run(fixed), b = run(dyn);
  EXPECT_EQ(a.flops, b.flops);
  EXPECT_EQ(a.total_ns, b.total_ns);
  EXPECT_EQ(busy_of(a, "core0.pe"), busy_of(b, "core0.pe"));
  // Against the formula: 5 x 512 moving columns, the first reg_set (the others hide behind
  // the matmuls) and one of the 3 LoadStationaries: the first (nothing runs before it); the
  // other two load in the background behind the MultiplyMoving before them.
  const auto& te = trn2().tensor;
  const double per = (te.fixed_overhead_cycles + 512.0) / te.clock_ghz;
  EXPECT_NEAR(busy_of(a, "core0.pe"), 4 / te.clock_ghz + 5 * per + te.load_stationary_fast_cycles / te.clock_ghz,
              0.01);
}

}  // namespace
}  // namespace npulab::sim
