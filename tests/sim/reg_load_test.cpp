// reg_load semantics: a DMA queue loads an int32 from SBUF into its register and the next
// DMA of the queue uses it as a register-relative HBM offset (MoE expert selection).
// Functional: the loaded value; timing-only: 0 by definition; errors name the instruction.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>

#include "common/error.h"
#include "sched_util.h"

namespace npulab::sim {
namespace {

using namespace testutil;
using isa::Opcode;

constexpr uint64_t kIdx = 0, kTable = 4096, kOut = 8192;  // HBM byte offsets
constexpr uint32_t kRow = 4;                               // f32 per table row

isa::Instr reg_load(uint8_t r, const isa::TensorRef& src) {
  isa::Instr in;
  in.op = Opcode::reg_load;
  in.reg0 = r;
  in.t[0] = src;
  return in;
}

// dma0: idx (HBM) -> SBUF, signal s0.  dma1: reg_load r5 <- SBUF (after s0), then
// out = table row r5 (offset kTable + r5 * 16).  `preset` first puts a value into r5.
isa::Executable gather_program(std::optional<int64_t> preset = std::nullopt) {
  isa::Executable exe = make_exe(1, 2);
  dmaq(exe, 0).push_back(with_signal(dma(sbuf(DType::I32, 1, 1, 256), hbm(DType::I32, 1, 1, kIdx)), 0));
  auto& q = dmaq(exe, 1);
  if (preset) q.push_back(ctrl(Opcode::reg_set, 5, *preset));
  q.push_back(with_wait(reg_load(5, sbuf(DType::I32, 1, 1, 256)), 0, 1));
  isa::TensorRef src = hbm(DType::F32, 1, kRow, kTable);
  src.offset_reg = 5;
  src.offset_reg_scale = kRow * 4;
  q.push_back(dma(hbm(DType::F32, 1, kRow, kOut), src));
  return exe;
}

std::vector<float> run_gather(int32_t index) {
  Chip chip(trn2(), Mode::Functional);
  float table[4][kRow];
  for (int r = 0; r < 4; ++r)
    for (uint32_t c = 0; c < kRow; ++c) table[r][c] = float(10 * r + int(c));
  chip.hbm().write(kTable, table, sizeof(table));
  chip.hbm().write(kIdx, &index, 4);
  chip.run(gather_program());
  std::vector<float> out(kRow);
  chip.hbm().read(kOut, out.data(), kRow * 4);
  return out;
}

TEST(RegLoad, FunctionalDmaUsesTheLoadedIndex) {
  for (int32_t i : {0, 1, 3}) {
    const std::vector<float> out = run_gather(i);
    for (uint32_t c = 0; c < kRow; ++c) EXPECT_EQ(out[c], float(10 * i + int(c))) << "index " << i;
  }
}

TEST(RegLoad, FunctionalBadIndexIsAnOutOfBoundsErrorNamingTheDma) {
  for (int32_t i : {-1000, -257}) {  // sign-extended: kTable - 257 * 16 < 0, outside HBM
    try {
      run_gather(i);
      ADD_FAILURE() << "index " << i << " should fault";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("dma_copy"), std::string::npos) << e.what();
    }
  }
}

// Timing-only runs have no values: reg_load sets the register to 0, whatever it held, so a
// register-relative address is the base one (in bounds here, where r5 = 2^40 would not be).
TEST(RegLoad, TimingOnlyLoadsZero) {
  // The preset would address far below HBM (kTable + kRegMin * 16 < 0) if reg_load kept it.
  const SimResult r = run(gather_program(isa::kRegMin), Mode::TimingOnly);
  EXPECT_GT(r.total_ns, 0);
  EXPECT_EQ(r.instrs, 4u);
  // Functional mode with the same preset loads the real index (uninitialised SBUF is not
  // read: the index is DMA'd first), so the preset does not matter there either.
  Chip chip(trn2(), Mode::Functional);
  const int32_t two = 2;
  chip.hbm().write(kIdx, &two, 4);
  EXPECT_NO_THROW(chip.run(gather_program(isa::kRegMin)));
}

TEST(RegLoad, TimingIsTheSameInBothModesAndCostsMoreThanAControlOp) {
  Chip chip(trn2(), Mode::Functional);
  const int32_t three = 3;
  chip.hbm().write(kIdx, &three, 4);
  const SimResult f = chip.run(gather_program());
  const SimResult t = run(gather_program(), Mode::TimingOnly);
  EXPECT_EQ(f.total_ns, t.total_ns);
  isa::Executable one = make_exe(1, 1);
  dmaq(one, 0).push_back(reg_load(1, sbuf(DType::I32, 1, 1, 0)));
  isa::Executable ctl = make_exe(1, 1);
  dmaq(ctl, 0).push_back(ctrl(Opcode::reg_set, 1, 0));
  EXPECT_GT(run(one).total_ns, run(ctl).total_ns);
}

TEST(RegLoad, InvalidOperandIsRejectedBeforeRunning) {
  isa::Executable exe = make_exe(1, 1);
  dmaq(exe, 0).push_back(reg_load(1, sbuf(DType::F32, 1, 1, 0)));
  try {
    run(exe, Mode::Functional);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("reg_load src must be one i32 element"), std::string::npos) << e.what();
  }
}

TEST(RegLoad, RaceDetectorSeesTheRegisterRelativeRead) {
  // The reg_load waits for the index DMA: race-free.
  EXPECT_TRUE(run(gather_program(), Mode::TimingOnly, /*races=*/true).races.empty());
  // Without the wait the reg_load reads SBUF the other queue is writing: a race.
  isa::Executable exe = gather_program();
  dmaq(exe, 1)[0].num_waits = 0;
  EXPECT_FALSE(run(exe, Mode::TimingOnly, true).races.empty());
}

}  // namespace
}  // namespace npulab::sim
