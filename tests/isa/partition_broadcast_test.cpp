// Partition-broadcast operands (TensorRef::part_bcast, docs/ISA.md "Partition-broadcast
// operands"): assembly text, the version-3 container and the older versions' bytes of
// programs without them, and the validation rules (reads only, SBUF/PSUM only, one
// partition's start and bounds).
#include <gtest/gtest.h>

#include "arch/chip.h"
#include "isa/asm.h"
#include "isa/compare.h"
#include "isa/container.h"
#include "isa/validate.h"
#include "../error_of.h"

namespace npulab::isa {
namespace {

using npulab::test_support::error_of;

const char* kProgram =
    ".executable \"b\"\n.core 0\n.stream dve\n"
    "tensor_tensor dst=sbuf:f32[0:128]@0{1x64} a=sbuf:f32[0:128]@256{1x64} "
    "b=sbuf:f32[32:128:bcast]@512{1x64} op=multiply\n";

uint32_t version_of(const std::vector<uint8_t>& b) { return b[8] | b[9] << 8 | b[10] << 16 | uint32_t(b[11]) << 24; }

arch::ChipConfig chip() {
  arch::ChipConfig c;
  c.name = "testchip";
  c.cores_per_chip = 1;
  c.semaphores_per_core = 32;
  c.registers_per_engine = 16;
  c.sbuf = {128, 192 * 1024, 0, 0};
  c.psum = {128, 16 * 1024, 8, 0};
  c.dma.engines_per_core = 1;
  c.dma.queues_per_engine = 1;
  c.hbm.capacity_bytes = uint64_t(1) << 30;
  return c;
}

TEST(PartitionBroadcast, AssemblyTextRoundTrips) {
  Executable exe = parse_executable(kProgram, "b.s");
  const Instr& in = exe.cores[0].streams[uint32_t(Stream::DVE)][0];
  EXPECT_FALSE(in.t[1].part_bcast);
  EXPECT_TRUE(in.t[2].part_bcast);
  EXPECT_EQ(in.t[2].part_start, 32);
  EXPECT_EQ(in.t[2].part_count, 128);
  EXPECT_EQ(in.t[2].parts_touched(), 1u);
  EXPECT_NE(to_text(in).find("b=sbuf:f32[32:128:bcast]@512{1x64}"), std::string::npos) << to_text(in);
  EXPECT_TRUE(parse_executable(print_executable(exe)) == exe);
  // The flag is part of the operand: equality sees it.
  Executable plain = exe;
  plain.cores[0].streams[uint32_t(Stream::DVE)][0].t[2].part_bcast = false;
  EXPECT_FALSE(plain == exe);
}

TEST(PartitionBroadcast, BadTextNamesTheKeyword) {
  const std::string e = error_of([] {
    parse_executable(".core 0\n.stream dve\ntensor_copy dst=sbuf:f32[0:4]@0{1x4} src=sbuf:f32[0:4:all]@64{1x4}\n", "x.s");
  });
  EXPECT_NE(e.find("expected 'bcast'"), std::string::npos) << e;
}

TEST(PartitionBroadcast, ContainerIsVersion3OnlyWhenUsed) {
  Executable exe = parse_executable(kProgram, "b.s");
  auto bytes = encode_executable(exe);
  EXPECT_EQ(version_of(bytes), 3u);
  EXPECT_EQ(min_version(exe), 3u);
  EXPECT_TRUE(decode_executable(bytes.data(), bytes.size()) == exe);
  // Without the broadcast the program keeps its version-1 bytes.
  exe.cores[0].streams[uint32_t(Stream::DVE)][0].t[2].part_bcast = false;
  EXPECT_EQ(version_of(encode_executable(exe)), 1u);
}

TEST(PartitionBroadcast, OlderContainerCannotCarryTheFlag) {
  Executable exe = parse_executable(kProgram, "b.s");
  auto bytes = encode_executable(exe);
  bytes[8] = 2;  // claim version 2: the broadcast bit of ndim is then out of range
  const std::string e = error_of([&] { decode_executable(bytes.data(), bytes.size(), "v.npx"); });
  EXPECT_NE(e.find("operand b ndim"), std::string::npos) << e;
}

std::string validation_error(const char* text) {
  return error_of([&] { validate_executable(parse_executable(text, "v.s"), chip()); });
}

TEST(PartitionBroadcast, ValidationAcceptsReadsOfOnePartition) {
  EXPECT_EQ(validation_error(kProgram), "");
  // PSUM rows and a row at the last partition (its one partition is in bounds).
  EXPECT_EQ(validation_error(".core 0\n.stream act\ntensor_copy dst=sbuf:f32[0:128]@0{1x8} "
                             "src=psum:f32[96:128:bcast]@0{1x8}\n"),
            "");
  EXPECT_EQ(validation_error(".core 0\n.stream dma0\ndma_copy dst=hbm:f32[0:128/8]@0{1x8} "
                             "src=sbuf:f32[127:128:bcast]@0{1x8}\n"),
            "");
}

TEST(PartitionBroadcast, ValidationRejectsWritesHbmAndBadStarts) {
  std::string e = validation_error(".core 0\n.stream dve\ntensor_copy dst=sbuf:f32[0:128:bcast]@0{1x8} "
                                   "src=sbuf:f32[0:128]@64{1x8}\n");
  EXPECT_NE(e.find("operand dst: a partition-broadcast view (:bcast) may only be read, but tensor_copy writes it"),
            std::string::npos) << e;
  e = validation_error(".core 0\n.stream pe\nmatmul dst=psum:f32[0:1:bcast]@0{1x8} stationary=sbuf:bf16[0:4]@0{1x1} "
                       "moving=sbuf:bf16[0:4]@64{1x8} flags=start\n");
  EXPECT_NE(e.find("operand dst: a partition-broadcast view (:bcast) may only be read, but matmul reads and writes it"),
            std::string::npos) << e;
  e = validation_error(".core 0\n.stream dma0\ndma_copy dst=sbuf:f32[0:4]@0{1x8} src=hbm:f32[0:4/0:bcast]@0{1x8}\n");
  EXPECT_NE(e.find("operand src: partition broadcast (:bcast) is for SBUF/PSUM operands"), std::string::npos) << e;
  // A compute engine reads the row through its lane group: 0, 32, 64 or 96 only.
  e = validation_error(".core 0\n.stream dve\ntensor_copy dst=sbuf:f32[0:128]@0{1x8} src=sbuf:f32[5:128:bcast]@64{1x8}\n");
  EXPECT_NE(e.find("operand src: a partition-broadcast row may not start at partition 5"), std::string::npos) << e;
  e = validation_error(".core 0\n.stream dma0\ndma_copy dst=hbm:f32[0:4/8]@0{1x8} src=sbuf:f32[128:4:bcast]@0{1x8}\n");
  EXPECT_NE(e.find("operand src: partitions [128, 129) exceed the 128 SBUF partitions"), std::string::npos) << e;
  // The lanes are still the engine's: no more than the partitions.
  e = validation_error(".core 0\n.stream dma0\ndma_copy dst=hbm:f32[0:129/8]@0{1x8} src=sbuf:f32[0:129:bcast]@64{1x8}\n");
  EXPECT_NE(e.find("operand src: 129 partitions exceed the 128 SBUF partitions"), std::string::npos) << e;
}

}  // namespace
}  // namespace npulab::isa
