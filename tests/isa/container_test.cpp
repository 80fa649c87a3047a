// Binary container: exact round trips for every opcode, and a decoder that rejects
// truncated or corrupted input with an Error naming the byte offset and field.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "common/error.h"
#include "isa/asm.h"
#include "isa/compare.h"
#include "isa/container.h"
#include "random_program.h"

namespace npulab::isa {
namespace {

std::string error_of(const std::vector<uint8_t>& b) {
  try {
    decode_executable(b.data(), b.size(), "t.npx");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Container, RandomInstructionsOfEveryOpcodeRoundTripExactly) {
  testing::RandomProgram gen(42);
  for (size_t op = 0; op < size_t(Opcode::kCount); ++op) {
    Executable exe;
    exe.cores.emplace_back().streams.resize(1);
    for (int i = 0; i < 300; ++i) exe.cores[0].streams[0].push_back(gen.instr(Opcode(op)));
    auto bytes = encode_executable(exe);
    Executable back = decode_executable(bytes.data(), bytes.size());
    ASSERT_TRUE(back == exe) << op_info(Opcode(op)).name;
    EXPECT_EQ(encode_executable(back), bytes);
  }
}

TEST(Container, WholeExecutableRoundTrips) {
  testing::RandomProgram gen(7);
  for (int trial = 0; trial < 20; ++trial) {
    Executable exe = gen.executable(20);
    auto bytes = encode_executable(exe);
    Executable back = decode_executable(bytes.data(), bytes.size());
    ASSERT_TRUE(back == exe);
    EXPECT_EQ(back.name, exe.name);
    EXPECT_EQ(back.constants[0].bytes, exe.constants[0].bytes);
  }
}

TEST(Container, EqualityIsNotVacuous) {
  testing::RandomProgram gen(3);
  Executable exe = gen.executable(5);
  Executable other = exe;
  ASSERT_TRUE(other == exe);
  other.cores[0].streams.resize(std::max<size_t>(other.cores[0].streams.size(), 1));
  other.cores[0].streams[0].push_back(Instr{});
  EXPECT_FALSE(other == exe);
  Instr a = gen.instr(Opcode::matmul), b = a;
  b.t[1].dims[0].stride ^= 1;
  EXPECT_FALSE(a == b);
  b = a;
  b.flags ^= F_START;
  EXPECT_FALSE(a == b);
  Instr m = gen.instr(Opcode::memset), n = m;
  n.imm0 = -m.imm0;  // differs in the sign bit even for 0 and NaN
  EXPECT_FALSE(m == n);
}

TEST(Container, EveryTruncationIsAnError) {
  testing::RandomProgram gen(11);
  Executable exe = gen.executable(3);
  auto bytes = encode_executable(exe);
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + long(n));
    std::string err = error_of(cut);
    ASSERT_FALSE(err.empty()) << "prefix of " << n << " bytes decoded";
    ASSERT_NE(err.find("t.npx: byte "), std::string::npos) << err;
  }
}

TEST(Container, CorruptedBytesNeverCrash) {
  testing::RandomProgram gen(5);
  Executable exe = gen.executable(4);
  auto bytes = encode_executable(exe);
  std::mt19937 rng(1);
  int errors = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    auto b = bytes;
    for (int k = 0; k < 3; ++k) b[rng() % b.size()] = uint8_t(rng());
    if (!error_of(b).empty()) ++errors;  // decoding a mutated file may also succeed
  }
  EXPECT_GT(errors, 0);
}

// Byte offsets of the fixed header: magic 0..7, version 8..11, section count 12..15, then
// the META section: tag 16..19, length 20..27, payload.
TEST(Container, HeaderErrorsNameOffsetAndField) {
  Executable exe;
  exe.name = "x";
  auto good = encode_executable(exe);
  auto b = good;
  b[0] = 'X';
  EXPECT_NE(error_of(b).find("byte 0: magic"), std::string::npos) << error_of(b);
  b = good;
  b[8] = uint8_t(Executable::kVersion + 1);
  EXPECT_NE(error_of(b).find(fmt::format("byte 8: version: unsupported version {}", Executable::kVersion + 1)),
            std::string::npos)
      << error_of(b);
  b[8] = 0;
  EXPECT_NE(error_of(b).find("byte 8: version: unsupported version 0"), std::string::npos) << error_of(b);
  b = good;
  b[15] = 0x7f;
  EXPECT_NE(error_of(b).find("byte 12: section_count: count"), std::string::npos) << error_of(b);
  b = good;
  b[16] = 'Q';
  EXPECT_NE(error_of(b).find("byte 16: section tag: unknown section"), std::string::npos) << error_of(b);
  b = good;
  b[27] = 0x10;
  EXPECT_NE(error_of(b).find("byte 20: section length"), std::string::npos) << error_of(b);
  b = good;
  b.push_back(0);
  EXPECT_NE(error_of(b).find("trailing bytes"), std::string::npos) << error_of(b);
  EXPECT_NE(error_of({}).find("magic"), std::string::npos);
}

// A one-instruction executable (core 0, stream dve) and the instruction's byte offset:
// it is encoded last, so it starts where the same file without it ends.
std::pair<std::vector<uint8_t>, size_t> one_instr(const Instr& in) {
  Executable exe;
  exe.cores.emplace_back().streams.resize(2);
  size_t at = encode_executable(exe).size();
  exe.cores[0].streams[1].push_back(in);
  return {encode_executable(exe), at};
}

TEST(Container, InstructionErrorsNameTheInstructionAndField) {
  Instr in;
  in.op = Opcode::tensor_reduce;
  in.t[0] = TensorRef{Space::Sbuf, DType::F32, 1, 0, 128, 0, 0, -1, 0, {Dim{1, 1}}};
  in.t[1] = TensorRef{Space::Sbuf, DType::BF16, 1, 0, 128, 0, 64, -1, 0, {Dim{1, 512}}};
  in.alu0 = AluOp::max;
  auto [good, at] = one_instr(in);
  auto b = good;
  b[at] = uint8_t(Opcode::kCount);
  EXPECT_NE(error_of(b).find(fmt::format("byte {}: core 0, stream dve, instr 0, opcode: value {} out of range",
                                         at, int(Opcode::kCount))), std::string::npos) << error_of(b);
  b = good;
  b[at + 1] = 9;
  EXPECT_NE(error_of(b).find("num_waits: value 9 exceeds 4"), std::string::npos) << error_of(b);
  b = good;
  b[at + 4] = 5;  // ndim of dst
  EXPECT_NE(error_of(b).find(fmt::format("byte {}: core 0, stream dve, instr 0, operand dst ndim", at + 4)),
            std::string::npos) << error_of(b);
  b = good;
  b[at + 5] = 0;  // space of dst
  EXPECT_NE(error_of(b).find("operand dst space: value 0 out of range [1, 4)"), std::string::npos) << error_of(b);
  b = good;
  b[at + 6] = 99;  // dtype of dst
  EXPECT_NE(error_of(b).find("operand dst dtype: value 99"), std::string::npos) << error_of(b);
  b = good;
  b[b.size() - 5] = 200;  // alu0 ("op") sits before the 4-byte flags at the very end
  EXPECT_NE(error_of(b).find("op: value 200 out of range"), std::string::npos) << error_of(b);
  Instr missing = in;
  missing.t[1] = TensorRef{};  // the encoder writes what it is given; the decoder checks
  auto [bad, at2] = one_instr(missing);
  EXPECT_NE(error_of(bad).find(fmt::format("byte {}: core 0, stream dve, instr 0, operands: missing operand 'src'", at2)),
            std::string::npos) << error_of(bad);
  b = good;
  b[b.size() - 1] = 0x80;
  EXPECT_NE(error_of(b).find("flags: unknown flag bits"), std::string::npos) << error_of(b);
}

TEST(Container, HugeCountsAreRejectedBeforeAllocating) {
  Executable exe;
  exe.cores.emplace_back().streams.resize(1);
  auto b = encode_executable(exe);
  // Last 4 bytes are the stream's instruction count.
  for (size_t i = b.size() - 4; i < b.size(); ++i) b[i] = 0xff;
  EXPECT_NE(error_of(b).find("num_instrs: count 4294967295 too large"), std::string::npos) << error_of(b);
}

TEST(Container, FilesAreDetectedAsBinaryOrText) {
  testing::RandomProgram gen(9);
  Executable exe = gen.executable(3);
  std::string dir = ::testing::TempDir();
  write_executable_file(exe, dir + "/rt.npx");
  write_executable_file(exe, dir + "/rt.s");
  EXPECT_TRUE(read_executable_file(dir + "/rt.npx") == exe);
  EXPECT_TRUE(read_executable_file(dir + "/rt.s") == exe);
  std::ifstream f(dir + "/rt.s");
  std::string first;
  std::getline(f, first);
  EXPECT_EQ(first[0], '#');
  EXPECT_THROW(read_executable_file(dir + "/does_not_exist.npx"), Error);
}

}  // namespace
}  // namespace npulab::isa
