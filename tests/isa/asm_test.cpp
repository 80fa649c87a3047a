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

// Parse `text`, expect an Error whose message contains every piece of `want`.
void expect_error(const std::string& text, std::initializer_list<std::string_view> want) {
  try {
    parse_executable(text, "bad.s");
  } catch (const Error& e) {
    std::string msg = e.what();
    for (auto w : want) EXPECT_NE(msg.find(w), std::string::npos) << "message: " << msg << "\nwanted: " << w;
    return;
  }
  ADD_FAILURE() << "no error for:\n" << text;
}

const std::string kHead = ".executable \"t\"\n.core 0\n.stream dve\n";  // instructions start on line 4

TEST(Asm, MalformedInputNamesTheLine) {
  expect_error(kHead + "frobnicate dst=sbuf:f32[0:1]@0{1x1}\n", {"bad.s:4:1:", "unknown opcode 'frobnicate'"});
  expect_error(kHead + "nop\nmemset dst=sbuf:f32[0:1]@0{1x1} colour=3\n",
               {"bad.s:5:", "unknown operand or field 'colour' for memset", "expected dst, value, wait, signal"});
  expect_error(kHead + "memset dst=sbuf:f32[0:1]@0{1x1\n", {"bad.s:4:", "expected '}'"});
  expect_error(kHead + "memset dst=sbux:f32[0:1]@0{1x1}\n", {"bad.s:4:12:", "unknown memory space 'sbux'"});
  expect_error(kHead + "memset dst=sbuf:f31[0:1]@0{1x1}\n", {"bad.s:4:", "unknown dtype 'f31'"});
  expect_error(kHead + "memset dst=sbuf:f32[0:1]@0{1:1}\n", {"bad.s:4:", "expected 'x' between stride and size"});
  expect_error(kHead + "memset dst=sbuf:f32[0:1]@0{1x1,1x1,1x1,1x1,1x1}\n", {"bad.s:4:", "more than 4 free dimensions"});
  expect_error(kHead + "memset dst=sbuf:f32[0:70000]@0{1x1}\n", {"bad.s:4:", "out of range for partition count"});
  expect_error(kHead + "memset value=1\n", {"bad.s:4:1:", "missing operand 'dst' of memset"});
  expect_error(kHead + "tensor_scalar dst=sbuf:f32[0:1]@0{1x1} a=sbuf:f32[0:1]@0{1x1} flags=scalar_tensor\n",
               {"bad.s:4:", "missing operand 'scalar'", "flag scalar_tensor is set"});
  expect_error(kHead + "memset dst=sbuf:f32[0:1]@0{1x1} value=1.5.2\n", {"bad.s:4:", "unexpected '.2'"});
  expect_error(kHead + "memset dst=sbuf:f32[0:1]@0{1x1} value=abc\n", {"bad.s:4:", "expected a number for value"});
  expect_error(kHead + "memset dst=sbuf:f32[0:1]@0{1x1} value=1e99\n", {"bad.s:4:", "out of float range"});
  expect_error(kHead + "reg_set r=r1 value=99999999999999999999\n", {"bad.s:4:", "out of range for value"});
  expect_error(kHead + "reg_set r=x1 value=1\n", {"bad.s:4:", "expected a register rN"});
  expect_error(kHead + "tensor_reduce dst=sbuf:f32[0:1]@0{1x1} src=sbuf:f32[0:1]@0{1x1} op=maximum\n",
               {"bad.s:4:", "unknown ALU op 'maximum'"});
  expect_error(kHead + "tensor_reduce dst=sbuf:f32[0:1]@0{1x1} src=sbuf:f32[0:1]@0{1x1} flags=fast\n",
               {"bad.s:4:", "unknown flag 'fast'"});
  expect_error(kHead + "nop wait=s1>5\n", {"bad.s:4:", "expected '>=' in wait"});
  expect_error(kHead + "nop wait=s1>=1 wait=s1>=1 wait=s1>=1 wait=s1>=1 wait=s1>=1\n", {"bad.s:4:", "more than 4 waits"});
  expect_error(kHead + "nop signal=s1 signal=s2\n", {"bad.s:4:", "duplicate signal"});
  expect_error(kHead + "memset dst=sbuf:f32[0:1]@0{1x1} dst=sbuf:f32[0:1]@0{1x1}\n", {"bad.s:4:", "duplicate operand 'dst'"});
  expect_error(kHead + "nop junk\n", {"bad.s:4:5:", "expected key=value"});
  expect_error(".core 0\n.stream npu\n", {"bad.s:2:9:", "unknown stream 'npu'"});
  expect_error(".core 0\n.stream dma\n", {"bad.s:2:", "unknown stream 'dma'"});
  expect_error("nop\n", {"bad.s:1:1:", "instruction outside a .stream"});
  expect_error(".core 1\n", {"bad.s:1:", "cores must be declared in order"});
  expect_error(".stream pe\n", {"bad.s:1:", ".stream before any .core"});
  expect_error(".frob 1\n", {"bad.s:1:1:", "unknown directive '.frob'"});
  expect_error(".executable noquote\n", {"bad.s:1:", "expected a quoted string"});
  expect_error(".executable \"open\n", {"bad.s:1:", "unterminated string"});
  expect_error(".executable \"a\\q\"\n", {"bad.s:1:", "unknown escape"});
  expect_error("\n\n.tensor \"t\" kind=input dtype=f32 shape=[1]\n", {"bad.s:3:", "missing hbm="});
  expect_error(".tensor \"t\" kind=inout dtype=f32 shape=[1] hbm=0\n", {"bad.s:1:", "unknown tensor kind 'inout'"});
  expect_error(".tensor \"t\" kind=input dtype=f32 shape=[1,] hbm=0\n", {"bad.s:1:", "expected an integer for shape dimension"});
  expect_error(".const hbm=0 bytes=4\n.data 0102\n.core 0\n", {"bad.s:1:", "declared bytes=4 but its .data lines hold 2"});
  expect_error(".const hbm=0 bytes=1\n.data 0102\n", {"bad.s:2:", "more .data than the 1 bytes declared"});
  expect_error(".const hbm=0 bytes=1\n.data 0g\n", {"bad.s:2:", "expected hex digits"});
  expect_error(".data 00\n", {"bad.s:1:", ".data outside a .const block"});
  expect_error(kHead + "memset dst=sbuf:f32[0:1]@0{1x1} value=nan(0x3f800000)\n", {"bad.s:4:", "is not a NaN bit pattern"});
}

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
