// Hostile program files (issue 12): tensor declarations whose byte size wraps 64 bits are
// refused by the assembler, the decoder and validation; the format of a file is told from
// its content, so empty and truncated files are named as such.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "isa/asm.h"
#include "isa/container.h"
#include "isa/validate.h"

namespace npulab::isa {
namespace {

template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string with_tensor(const std::string& shape, const std::string& dtype = "f32") {
  return ".executable \"t\"\n.tensor \"x\" kind=input dtype=" + dtype + " shape=" + shape + " hbm=0\n";
}

TEST(HostileInput, TensorByteSizesThatWrapAreRefusedByTheAssembler) {
  // [2^32, 2^32, 2^32] and [2^62 + 1] f32, which wrapped to 0 and 4 bytes.
  for (const char* shape : {"[4294967296,4294967296,4294967296]", "[4611686018427387905]"}) {
    const std::string m = error_of([&] { parse_executable(with_tensor(shape), "t.s"); });
    EXPECT_NE(m.find("t.s:2:"), std::string::npos) << m;
    EXPECT_NE(m.find("tensor 'x' byte size"), std::string::npos) << m;
    EXPECT_NE(m.find("does not fit"), std::string::npos) << m;
  }
  EXPECT_NO_THROW(parse_executable(with_tensor("[1073741824,4]", "bf16"), "ok.s"));
}

TEST(HostileInput, TensorByteSizesThatWrapAreRefusedByTheDecoderAndValidation) {
  Executable exe;
  exe.name = "t";
  TensorDecl d;
  d.name = "x";
  d.shape = {(uint64_t(1) << 62) + 1};
  exe.tensors.push_back(d);
  const std::vector<uint8_t> bytes = encode_executable(exe);
  const std::string m = error_of([&] { decode_executable(bytes.data(), bytes.size(), "t.npx"); });
  EXPECT_NE(m.find("t.npx"), std::string::npos) << m;
  EXPECT_NE(m.find("tensor 'x': byte size"), std::string::npos) << m;
  arch::ChipConfig chip;
  chip.name = "c";
  chip.cores_per_chip = 1;
  chip.hbm.capacity_bytes = uint64_t(1) << 30;
  EXPECT_NE(error_of([&] { validate_executable_decls(exe, chip); }).find("tensor 'x' byte size"), std::string::npos);
}

TEST(HostileInput, FormatIsToldFromTheContent) {
  const auto fmt = [](const std::string& s) {
    return detect_program_format(reinterpret_cast<const uint8_t*>(s.data()), s.size(), "f");
  };
  EXPECT_NE(error_of([&] { fmt(""); }).find("f: empty file"), std::string::npos);
  for (const char* prefix : {"N", "NPU", "NPULA", "NPULABX1"}) EXPECT_EQ(fmt(prefix), ProgramFormat::Binary) << prefix;
  EXPECT_EQ(fmt(".executable \"a\"\n"), ProgramFormat::Text);
  EXPECT_NE(error_of([&] { fmt(std::string("\x7f" "ELF\0\0", 6)); }).find("binary data (a NUL byte at offset 4)"),
            std::string::npos);
  // A truncated container is named as one, not parsed as assembly text.
  const std::string m = error_of([] { decode_executable(reinterpret_cast<const uint8_t*>("NPULA"), 5, "c.npx"); });
  EXPECT_NE(m.find("c.npx"), std::string::npos) << m;
  EXPECT_NE(m.find("truncated"), std::string::npos) << m;
}

TEST(HostileInput, TextWithoutAnyStatementIsNoProgram) {
  for (const char* text : {"", "\n\n", "   # only a comment\n\t\n"})
    EXPECT_NE(error_of([&] { parse_executable(text, "e.s"); }).find("e.s: no program"), std::string::npos) << text;
}

}  // namespace
}  // namespace npulab::isa
