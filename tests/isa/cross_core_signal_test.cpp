// Cross-core signals (Instr::signal_core): assembly text, the version-2 container, the
// version-1 bytes of programs without them, and validation against the chip's cores.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>

#include "arch/chip.h"
#include "common/error.h"
#include "isa/asm.h"
#include "isa/compare.h"
#include "isa/container.h"
#include "isa/validate.h"
#include "../error_of.h"

namespace npulab::isa {
namespace {

const char* kProgram = R"(.executable "x"
.chip "trn2"
.core 0
.stream sp
nop signal=c1.s3
.core 1
.stream sp
nop wait=s3>=1 signal=s2
)";

using test_support::error_of;

uint32_t version_of(const std::vector<uint8_t>& b) { return b[8] | b[9] << 8 | b[10] << 16 | uint32_t(b[11]) << 24; }

TEST(CrossCoreSignal, TextNamesTheCoreAndRoundTrips) {
  const Executable exe = parse_executable(kProgram, "x.s");
  const Instr& in = exe.cores[0].streams[uint32_t(Stream::SP)][0];
  EXPECT_EQ(in.signal, 3);
  EXPECT_EQ(in.signal_core, 1);
  EXPECT_EQ(exe.cores[1].streams[uint32_t(Stream::SP)][0].signal_core, -1);
  EXPECT_EQ(to_text(in), "nop signal=c1.s3");
  EXPECT_TRUE(parse_executable(print_executable(exe), "y.s") == exe);
}

TEST(CrossCoreSignal, ContainerVersion2OnlyWhenNeeded) {
  Executable exe = parse_executable(kProgram, "x.s");
  auto bytes = encode_executable(exe);
  EXPECT_EQ(version_of(bytes), 2u);
  EXPECT_EQ(min_version(exe), 2u);
  const Executable back = decode_executable(bytes.data(), bytes.size());
  EXPECT_TRUE(back == exe);
  EXPECT_EQ(back.cores[0].streams[uint32_t(Stream::SP)][0].signal_core, 1);
  // Without the cross-core signal the program is a version-1 container, byte for byte
  // what the previous format wrote (4-byte instruction header, no core byte).
  exe.cores[0].streams[uint32_t(Stream::SP)][0].signal_core = -1;
  bytes = encode_executable(exe);
  EXPECT_EQ(version_of(bytes), 1u);
  EXPECT_TRUE(decode_executable(bytes.data(), bytes.size()) == exe);
}

TEST(CrossCoreSignal, Version1ContainerCannotCarryACore) {
  Executable exe = parse_executable(kProgram, "x.s");
  auto bytes = encode_executable(exe);
  bytes[8] = 1;  // claim version 1: the remote-signal bit of num_waits is then invalid
  EXPECT_NE(error_of([&] { decode_executable(bytes.data(), bytes.size(), "v.npx"); }).find("num_waits"),
            std::string::npos);
  bytes[8] = uint8_t(Executable::kVersion + 1);
  EXPECT_NE(error_of([&] { decode_executable(bytes.data(), bytes.size(), "v.npx"); })
                .find(fmt::format("unsupported version {}", Executable::kVersion + 1)),
            std::string::npos);
}

TEST(CrossCoreSignal, BadText) {
  EXPECT_NE(error_of([] { parse_executable(".core 0\n.stream sp\nnop signal=c1s3\n", "b.s"); })
                .find("between the core and the semaphore"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_executable(".core 0\n.stream sp\nnop signal=c-1.s3\n", "b.s"); }).find("b.s:3:"),
            std::string::npos);
}

TEST(CrossCoreSignal, ValidationNamesTheMissingCore) {
  arch::ChipConfig chip = arch::load_chip_by_name("trn2");
  Executable exe = parse_executable(kProgram, "x.s");
  EXPECT_NO_THROW(validate_executable(exe, chip));
  exe.cores[0].streams[uint32_t(Stream::SP)][0].signal_core = 8;
  const std::string e = error_of([&] { validate_executable(exe, chip); });
  EXPECT_NE(e.find("core 8 but the chip has 8 cores"), std::string::npos) << e;
  EXPECT_NE(e.find("nop signal=c8.s3"), std::string::npos) << e;
}

}  // namespace
}  // namespace npulab::isa
