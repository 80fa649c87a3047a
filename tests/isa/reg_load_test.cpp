// reg_load (data-dependent register load): assembly text and binary round trips, and the
// validation rules (operand space and shape, register range, no partition-start rule).
#include <gtest/gtest.h>

#include "common/error.h"
#include "isa/asm.h"
#include "isa/compare.h"
#include "isa/container.h"
#include "isa/validate.h"

namespace npulab::isa {
namespace {

const arch::ChipConfig& chip() {
  static const arch::ChipConfig c = arch::load_chip_by_name("trn2");
  return c;
}

Instr reg_load(uint8_t r, TensorRef src) {
  Instr in;
  in.op = Opcode::reg_load;
  in.reg0 = r;
  in.t[0] = src;
  return in;
}
TensorRef word(uint16_t part, uint64_t off, DType dt = DType::I32, uint32_t n = 1, Space sp = Space::Sbuf) {
  return TensorRef{sp, dt, 1, part, 1, 0, off, -1, 0, {Dim{1, n}}};
}

std::string error_of(const Instr& in, uint32_t stream) {
  try {
    validate_instr(in, stream, chip());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(RegLoad, TextRoundTrip) {
  const std::string text = "reg_load src=sbuf:i32[37:1]@4100{1x1} r=r3";
  Executable exe = parse_executable(".executable \"t\"\n.chip \"trn2\"\n.core 0\n.stream dma2\n" + text + "\n");
  const Instr& in = exe.cores[0].streams[dma_stream(2)].at(0);
  EXPECT_EQ(in.op, Opcode::reg_load);
  EXPECT_EQ(in.reg0, 3);
  EXPECT_EQ(in.t[0].part_start, 37);
  EXPECT_EQ(in.t[0].offset, 4100u);
  EXPECT_EQ(to_text(in), text);
  // Binary container and back.
  const std::vector<uint8_t> bin = encode_executable(exe);
  Executable back = decode_executable(bin.data(), bin.size(), "t.npx");
  EXPECT_TRUE(back.cores[0] == exe.cores[0]);
  EXPECT_EQ(print_executable(back), print_executable(exe));
}

TEST(RegLoad, TextErrorsNameTheProblem) {
  const std::string head = ".executable \"t\"\n.chip \"trn2\"\n.core 0\n.stream sp\n";
  try {
    parse_executable(head + "reg_load src=sbuf:i32[0:1]@0{1x1} r=x1\n", "bad.s");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.s:5:"), std::string::npos) << e.what();
  }
  try {
    parse_executable(head + "reg_load r=r1\n", "bad.s");  // src is required
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("src"), std::string::npos) << e.what();
  }
}

TEST(RegLoad, ValidationAcceptsAnyStreamAndAnyPartition) {
  for (uint32_t s : {0u, 1u, 2u, 3u, 4u, dma_stream(0), dma_stream(7)})
    EXPECT_EQ(error_of(reg_load(63, word(0, 0)), s), "") << stream_name(s);
  // One word read by a sequencer: not bound by the compute engines' partition-start rule.
  EXPECT_EQ(error_of(reg_load(2, word(37, 64)), dma_stream(1)), "");
}

TEST(RegLoad, ValidationErrors) {
  auto expect_err = [](const Instr& in, const std::string& needle) {
    const std::string e = error_of(in, dma_stream(0));
    EXPECT_NE(e.find(needle), std::string::npos) << "got: '" << e << "'";
    EXPECT_NE(e.find("reg_load"), std::string::npos) << "message names the instruction: " << e;
  };
  expect_err(reg_load(64, word(0, 0)), "register r64 does not exist (registers_per_engine 64)");
  expect_err(reg_load(1, word(0, 0, DType::F32)), "reg_load src must be one i32 element");
  expect_err(reg_load(1, word(0, 0, DType::I32, 2)), "reg_load src must be one i32 element [1 partition, 1], got i32 [1, 2]");
  TensorRef two = word(0, 0);
  two.part_count = 2;
  expect_err(reg_load(1, two), "got i32 [2, 1]");
  expect_err(reg_load(1, word(0, 0, DType::I32, 1, Space::Hbm)), "src");
  expect_err(reg_load(1, word(0, chip().sbuf.bytes_per_partition)), "outside SBUF bytes_per_partition");
  Instr missing;
  missing.op = Opcode::reg_load;
  missing.reg0 = 1;
  expect_err(missing, "src");
}

}  // namespace
}  // namespace npulab::isa
