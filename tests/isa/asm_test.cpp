// Assembly text: exact round trips, canonical fixed point, a golden file, and malformed
// input rejected with the line (and column) of the problem.
#include <gtest/gtest.h>

#include <bit>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "isa/asm.h"
#include "isa/asm_text.h"
#include "isa/compare.h"
#include "random_program.h"

namespace npulab::isa {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  EXPECT_TRUE(f.good()) << path;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(Asm, RandomInstructionsOfEveryOpcodeRoundTripExactly) {
  testing::RandomProgram gen(1234);
  for (size_t op = 0; op < size_t(Opcode::kCount); ++op) {
    Executable exe;
    exe.cores.emplace_back().streams.resize(6);
    for (int i = 0; i < 300; ++i) exe.cores[0].streams[i % 6].push_back(gen.instr(Opcode(op)));
    std::string text = print_executable(exe);
    Executable back = parse_executable(text);
    ASSERT_TRUE(back == exe) << op_info(Opcode(op)).name << "\n" << text.substr(0, 2000);
    ASSERT_EQ(print_executable(back), text);
  }
}

TEST(Asm, WholeExecutablesRoundTrip) {
  testing::RandomProgram gen(99);
  for (int trial = 0; trial < 10; ++trial) {
    Executable exe = gen.executable(10);
    Executable back = parse_executable(print_executable(exe));
    ASSERT_TRUE(back == exe);
    EXPECT_EQ(back.name, exe.name);  // quotes, '#' and backslashes survive
  }
}

TEST(Asm, FloatsAreExact) {
  for (uint32_t bits : {0x00000000u, 0x80000000u, 0x00000001u, 0x007fffffu, 0x3f800001u, 0x7f7fffffu,
                        0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00000u, 0x7f800001u, 0x3dcccccdu}) {
    float v = std::bit_cast<float>(bits);
    Instr in;
    in.op = Opcode::memset;
    in.t[0] = TensorRef{Space::Sbuf, DType::F32, 1, 0, 1, 0, 0, -1, 0, {Dim{1, 1}}};
    in.imm0 = v;
    Executable exe;
    exe.cores.emplace_back().streams.resize(2);
    exe.cores[0].streams[1].push_back(in);
    Executable back = parse_executable(print_executable(exe));
    EXPECT_EQ(std::bit_cast<uint32_t>(back.cores[0].streams[1][0].imm0), bits) << float_text(v);
  }
  EXPECT_EQ(float_text(0.1f), "0.1");
  EXPECT_EQ(float_text(-0.0f), "-0");
  EXPECT_EQ(float_text(std::bit_cast<float>(0x7fc00000u)), "nan");
  EXPECT_EQ(float_text(std::bit_cast<float>(0xffc00000u)), "nan(0xffc00000)");
}

TEST(Asm, InstructionText) {
  Instr in;
  in.op = Opcode::matmul;
  in.t[0] = TensorRef{Space::Psum, DType::F32, 1, 0, 128, 0, 2048, -1, 0, {Dim{1, 512}}};
  in.t[1] = TensorRef{Space::Sbuf, DType::BF16, 1, 0, 128, 0, 4096, 3, 256, {Dim{1, 128}}};
  in.t[2] = TensorRef{Space::Sbuf, DType::BF16, 2, 0, 128, 0, 0, -1, 0, {Dim{1024, 2}, Dim{1, 256}}};
  in.flags = F_START;
  in.num_waits = 2;
  in.waits[0] = SemWait{3, -1, 5, 0};
  in.waits[1] = SemWait{4, 2, 1, 8};
  in.signal = 7;
  EXPECT_EQ(to_text(in),
            "matmul dst=psum:f32[0:128]@2048{1x512} stationary=sbuf:bf16[0:128]@4096+r3*256{1x128} "
            "moving=sbuf:bf16[0:128]@0{1024x2,1x256} flags=start wait=s3>=5 wait=s4>=r2*8+1 signal=s7");
  Instr d;
  d.op = Opcode::dma_copy;
  d.t[0] = TensorRef{Space::Hbm, DType::F32, 1, 0, 128, 4096, 0, -1, 0, {Dim{1, 512}}};
  d.t[1] = TensorRef{Space::Sbuf, DType::F32, 1, 64, 64, 0, 8, -1, 0, {Dim{-1, 512}}};
  EXPECT_EQ(to_text(d), "dma_copy dst=hbm:f32[0:128/4096]@0{1x512} src=sbuf:f32[64:64]@8{-1x512}");
}

TEST(Asm, GoldenFile) {
  std::string in = read_file("tests/isa/golden/sample.s");
  std::string expected = read_file("tests/isa/golden/sample.expected.s");
  Executable exe = parse_executable(in, "sample.s");
  EXPECT_EQ(print_executable(exe), expected);
  // The canonical text is a fixed point.
  EXPECT_EQ(print_executable(parse_executable(expected)), expected);
  ASSERT_EQ(exe.cores.size(), 2u);
  ASSERT_EQ(exe.cores[0].streams.size(), 6u);
  EXPECT_EQ(exe.constants.at(0).bytes, (std::vector<uint8_t>{0x0a, 0x0b, 0x0c}));
  const Instr& mm = exe.cores[0].streams[0][1];
  EXPECT_EQ(mm.op, Opcode::matmul);
  EXPECT_EQ(mm.waits[1].reg_scale, -2);
  EXPECT_EQ(mm.waits[1].value, -3);
  const Instr& tt = exe.cores[0].streams[1][2];
  EXPECT_EQ(tt.t[1].offset_reg_scale, -512);
  EXPECT_EQ(tt.t[0].dims[0].stride, -1);
  EXPECT_EQ(exe.cores[0].streams[1][1].imm0, 1e-3f);
}

// Malformed input (every parse error, with the line and column it names) is tested by one
// file per case in tests/golden/asm_errors/ (lit + FileCheck, docs/TESTING.md).
const std::string kHead = ".executable \"t\"\n.core 0\n.stream dve\n";  // instructions start on line 4

// Found by fuzz_container: a zero stride printed as "0x32768" was read back as hex.
TEST(Asm, ZeroStrideIsNotAHexPrefix) {
  Executable exe = parse_executable(kHead + "tensor_copy dst=sbuf:f32[0:1]@0{0x32768,0x0} src=sbuf:f32[0:1]@0x10{1x1}\n");
  const Instr& in = exe.cores[0].streams[1][0];
  EXPECT_EQ(in.t[0].dims[0].stride, 0);
  EXPECT_EQ(in.t[0].dims[0].size, 32768u);
  EXPECT_EQ(in.t[0].dims[1].size, 0u);
  EXPECT_EQ(in.t[1].offset, 16u);  // hex is still accepted elsewhere
}

TEST(Asm, CommentsAndBlankLinesAreIgnored) {
  Executable exe = parse_executable("# only a comment\n\n  .executable \"a#b\"  # trailing\n.core 0\n.stream pe\n nop # x\n");
  EXPECT_EQ(exe.name, "a#b");
  ASSERT_EQ(exe.cores[0].streams[0].size(), 1u);
  EXPECT_EQ(exe.cores[0].streams[0][0].op, Opcode::nop);
}

}  // namespace
}  // namespace npulab::isa
