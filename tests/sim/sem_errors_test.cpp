// Bounds, shape and state errors of the semantics: every bad access throws npulab::Error
// naming the opcode/operand and the range, before anything is written; uninitialised
// memory reads as NaN; register-relative offsets are applied and checked.
#include <gtest/gtest.h>

#include <cmath>

#include "common/error.h"
#include "sem_harness.h"

namespace npulab::test {
namespace {

using isa::Space;

// Runs fn and expects an Error whose message contains every fragment.
template <class Fn>
void expect_error(Fn&& fn, std::initializer_list<const char*> fragments) {
  try {
    fn();
    ADD_FAILURE() << "expected npulab::Error";
  } catch (const Error& e) {
    for (const char* f : fragments) EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
  }
}

isa::Instr copy_instr(isa::TensorRef dst, isa::TensorRef src) {
  isa::Instr in;
  in.op = isa::Opcode::tensor_copy;
  in.t[0] = dst;
  in.t[1] = src;
  return in;
}

TEST(SemErrors, PartitionRangeOutOfBounds) {
  SemMachine m;
  auto ctx = m.ctx();
  auto in = copy_instr(tref(Space::Sbuf, DType::F32, 120, 16, 0, {{1, 4}}),
                       tref(Space::Sbuf, DType::F32, 0, 16, 64, {{1, 4}}));
  expect_error([&] { sim::sem_tensor_copy(in, ctx); }, {"tensor_copy operand 'dst'", "partitions [120, 136)"});
}

TEST(SemErrors, ByteRangeOutOfBoundsIncludingStridesAndNegativeStrides) {
  SemMachine m;
  auto ctx = m.ctx();
  const uint64_t bpp = m.sbuf.bytes_per_partition();
  auto in = copy_instr(tref(Space::Sbuf, DType::F32, 0, 2, 0, {{1, 8}}),
                       tref(Space::Sbuf, DType::F32, 0, 2, bpp - 16, {{2, 4}}));  // last elem at bpp-16+24
  expect_error([&] { sim::sem_tensor_copy(in, ctx); }, {"operand 'src'", "out of bounds", std::to_string(bpp).c_str()});
  in.t[1] = tref(Space::Sbuf, DType::F32, 0, 2, 8, {{-1, 4}, {1, 2}});  // reaches byte -4
  in.t[0] = tref(Space::Sbuf, DType::F32, 0, 2, 0, {{1, 8}});
  expect_error([&] { sim::sem_tensor_copy(in, ctx); }, {"operand 'src'", "[-4,"});
  in.t[1] = tref(Space::Psum, DType::F32, 0, 2, 0, {{1, 8}});
  in.t[1].offset = m.psum.bytes_per_partition() - 28;
  expect_error([&] { sim::sem_tensor_copy(in, ctx); }, {"PSUM byte range"});
}

TEST(SemErrors, HbmRowsBeyondCapacity) {
  SemMachine m;
  auto ctx = m.ctx();
  isa::Instr in;
  in.op = isa::Opcode::dma_copy;
  in.t[0] = tref(Space::Sbuf, DType::BF16, 0, 4, 0, {{1, 16}});
  in.t[1] = tref(Space::Hbm, DType::BF16, 0, 4, m.hbm.capacity() - 4096, {{1, 16}});
  in.t[1].part_stride = 1024;  // rows 2 KiB apart: row 3 ends past the capacity
  expect_error([&] { sim::sem_dma_copy(in, ctx); }, {"dma_copy operand 'src'", "HBM byte range"});
  in.t[1].part_stride = 512;  // fits exactly
  EXPECT_NO_THROW(sim::sem_dma_copy(in, ctx));
}

TEST(SemErrors, RegisterOffsetAppliedAndChecked) {
  SemMachine m;
  m.regs[2] = 3;
  auto src = tref(Space::Sbuf, DType::F32, 0, 1, 0, {{1, 4}});
  src.offset_reg = 2;
  src.offset_reg_scale = 16;  // offset 48
  m.put(tref(Space::Sbuf, DType::F32, 0, 1, 48, {{1, 4}}), {fbits(1), fbits(2), fbits(3), fbits(4)});
  auto in = copy_instr(tref(Space::Sbuf, DType::F32, 0, 1, 256, {{1, 4}}), src);
  auto ctx = m.ctx();
  sim::sem_tensor_copy(in, ctx);
  EXPECT_EQ(m.get(in.t[0]), (std::vector<uint64_t>{fbits(1), fbits(2), fbits(3), fbits(4)}));
  m.regs[2] = int64_t(m.sbuf.bytes_per_partition() / 16);
  ctx = m.ctx();
  expect_error([&] { sim::sem_tensor_copy(in, ctx); }, {"operand 'src'", "out of bounds"});
  m.regs[2] = -4;
  ctx = m.ctx();
  expect_error([&] { sim::sem_tensor_copy(in, ctx); }, {"r2"});
  in.t[1].offset_reg = 9;  // the stream has 8 registers
  expect_error([&] { sim::sem_tensor_copy(in, ctx); }, {"r9"});
}

TEST(SemErrors, NothingIsWrittenWhenAnOperandIsOutOfBounds) {
  SemMachine m;
  auto ctx = m.ctx();
  auto dst = tref(Space::Sbuf, DType::F32, 0, 2, 0, {{1, 4}});
  m.put(dst, std::vector<uint64_t>(8, fbits(7)));
  isa::Instr in;
  in.op = isa::Opcode::activation;
  in.act = isa::ActFunc::exp;
  in.flags = isa::F_ACCUMULATE;
  in.t[0] = dst;
  in.t[1] = tref(Space::Sbuf, DType::F32, 0, 2, 64, {{1, 4}});
  in.t[3] = tref(Space::Sbuf, DType::F32, 127, 2, 0, {{1, 1}});  // accum partitions 127..128
  expect_error([&] { sim::sem_activation(in, ctx); }, {"activation operand 'accum'"});
  EXPECT_EQ(m.get(dst), std::vector<uint64_t>(8, fbits(7)));
}

TEST(SemErrors, ShapeMismatchesNameTheOperands) {
  SemMachine m;
  auto ctx = m.ctx();
  isa::Instr in;
  in.op = isa::Opcode::tensor_tensor;
  in.alu0 = isa::AluOp::add;
  in.t[0] = tref(Space::Sbuf, DType::F32, 0, 2, 0, {{1, 4}});
  in.t[1] = tref(Space::Sbuf, DType::F32, 0, 2, 64, {{1, 4}});
  in.t[2] = tref(Space::Sbuf, DType::F32, 0, 2, 128, {{1, 5}});
  expect_error([&] { sim::sem_tensor_tensor(in, ctx); }, {"operand 'dst'", "operand 'b'"});
  isa::Instr mm;
  mm.op = isa::Opcode::matmul;
  mm.t[0] = tref(Space::Psum, DType::F32, 0, 4, 0, {{1, 8}});
  mm.t[1] = tref(Space::Sbuf, DType::BF16, 0, 3, 0, {{1, 4}});
  mm.t[2] = tref(Space::Sbuf, DType::BF16, 0, 2, 64, {{1, 8}});
  expect_error([&] { sim::sem_matmul(mm, ctx); }, {"matmul", "K"});
  mm.t[1].part_count = 2;
  mm.t[0].dtype = DType::BF16;
  expect_error([&] { sim::sem_matmul(mm, ctx); }, {"f32"});
  isa::Instr tt = in;
  tt.t[2].dims[0].size = 4;
  tt.alu0 = isa::AluOp::bitwise_and;
  expect_error([&] { sim::sem_tensor_tensor(tt, ctx); }, {"bitwise", "integer"});
}

TEST(SemErrors, ShuffleIndexOutOfRange) {
  SemMachine m;
  isa::Instr in;
  in.op = isa::Opcode::shuffle;
  in.t[0] = tref(Space::Sbuf, DType::F32, 0, 2, 0, {{1, 4}});
  in.t[1] = tref(Space::Sbuf, DType::F32, 0, 4, 64, {{1, 4}});
  in.t[2] = tref(Space::Sbuf, DType::I32, 0, 2, 128, {{1, 1}});
  m.put(in.t[1], std::vector<uint64_t>(16, fbits(1)));
  m.put(in.t[2], {1, 4});
  auto ctx = m.ctx();
  expect_error([&] { sim::sem_shuffle(in, ctx); }, {"idx[1] = 4", "[0, 4)"});
  m.put(in.t[2], {1, 0xFFFFFFFF});
  expect_error([&] { sim::sem_shuffle(in, ctx); }, {"idx[1] = -1"});
}

TEST(SemErrors, IotaAndAffineSelectNeedIntegerSteps) {
  SemMachine m;
  auto ctx = m.ctx();
  isa::Instr in;
  in.op = isa::Opcode::iota;
  in.t[0] = tref(Space::Sbuf, DType::F32, 0, 2, 0, {{1, 4}});
  in.imm0 = 0.5f;
  expect_error([&] { sim::sem_iota(in, ctx); }, {"iota", "step"});
  in.op = isa::Opcode::affine_select;
  in.t[1] = tref(Space::Sbuf, DType::F32, 0, 2, 64, {{1, 4}});
  in.alu0 = isa::AluOp::add;
  in.imm1 = 1;
  expect_error([&] { sim::sem_affine_select(in, ctx); }, {"comparison"});
}

TEST(SemErrors, TimingOnlyMemoriesRefuseData) {
  SemMachine m;
  sim::Scratchpad empty(128, 1024, false);
  sim::ExecCtx ctx = m.ctx();
  ctx.mem.sbuf = &empty;
  auto in = copy_instr(tref(Space::Sbuf, DType::F32, 0, 1, 0, {{1, 4}}),
                       tref(Space::Sbuf, DType::F32, 0, 1, 64, {{1, 4}}));
  expect_error([&] { sim::sem_tensor_copy(in, ctx); }, {"timing-only"});
}

TEST(SemUninitialised, FreshMemoryReadsAsNaNInEveryFloatDtype) {
  SemMachine m;
  auto ctx = m.ctx();
  for (DType dt : {DType::F32, DType::BF16, DType::F16, DType::F8E4M3, DType::F8E5M2}) {
    auto in = copy_instr(tref(Space::Sbuf, DType::F32, 0, 2, 4096, {{1, 4}}),
                         tref(Space::Sbuf, dt, 0, 2, 0, {{1, 4}}));
    sim::sem_tensor_copy(in, ctx);
    for (auto c : m.get(in.t[0])) EXPECT_TRUE(std::isnan(bitsf(uint32_t(c)))) << dtype_name(dt);
  }
  // HBM: untouched pages read as 0xFF without being allocated.
  isa::Instr in;
  in.op = isa::Opcode::dma_copy;
  in.t[0] = tref(Space::Sbuf, DType::F32, 0, 1, 0, {{1, 8}});
  in.t[1] = tref(Space::Hbm, DType::BF16, 0, 1, 3ull << 30, {{1, 8}});
  sim::sem_dma_copy(in, ctx);
  EXPECT_EQ(m.hbm.pages_allocated(), 0u);
  for (auto c : m.get(in.t[0])) EXPECT_TRUE(std::isnan(bitsf(uint32_t(c))));
}

TEST(SemRawCopies, SameDtypeCopiesAreBitExact) {
  SemMachine m;
  auto ctx = m.ctx();
  // I32 beyond 2^24 and a NaN payload survive tensor_copy, dma_copy, transpose and shuffle.
  const std::vector<uint64_t> v = {0x7FFFFFFF, 0x01000001, 0x7FA12345, 0x80000000};
  auto src = tref(Space::Sbuf, DType::I32, 0, 2, 0, {{1, 2}});
  m.put(src, v);
  auto in = copy_instr(tref(Space::Sbuf, DType::I32, 0, 2, 64, {{1, 2}}), src);
  sim::sem_tensor_copy(in, ctx);
  EXPECT_EQ(m.get(in.t[0]), v);
  isa::Instr d;
  d.op = isa::Opcode::dma_copy;
  d.t[0] = tref(Space::Hbm, DType::I32, 0, 1, 1000, {{1, 4}});
  d.t[1] = src;
  sim::sem_dma_copy(d, ctx);
  EXPECT_EQ(m.get(d.t[0]), v);
  isa::Instr t;
  t.op = isa::Opcode::transpose;
  t.t[0] = tref(Space::Psum, DType::I32, 0, 2, 0, {{1, 2}});
  t.t[1] = src;
  sim::sem_transpose(t, ctx);
  EXPECT_EQ(m.get(t.t[0]), (std::vector<uint64_t>{v[0], v[2], v[1], v[3]}));
}

TEST(SemFindIndex, AbsentValueGivesAllOnes) {
  SemMachine m;
  isa::Instr in;
  in.op = isa::Opcode::find_index8;
  in.t[0] = tref(Space::Sbuf, DType::I32, 0, 1, 0, {{1, 8}});
  in.t[1] = tref(Space::Sbuf, DType::F32, 0, 1, 64, {{1, 10}});
  in.t[2] = tref(Space::Sbuf, DType::F32, 0, 1, 128, {{1, 8}});
  std::vector<uint64_t> src, vals;
  for (int i = 0; i < 10; ++i) src.push_back(fbits(float(i % 5)));
  for (int j = 0; j < 8; ++j) vals.push_back(fbits(float(j)));
  m.put(in.t[1], src);
  m.put(in.t[2], vals);
  auto ctx = m.ctx();
  sim::sem_find_index8(in, ctx);
  EXPECT_EQ(m.get(in.t[0]), (std::vector<uint64_t>{0, 1, 2, 3, 4, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}));
}

}  // namespace
}  // namespace npulab::test

namespace npulab::test {
namespace {

TEST(SemErrors, HugeBroadcastOperandIsRefusedNotAllocated) {
  SemMachine m;
  auto ctx = m.ctx();
  isa::Instr in;
  in.op = isa::Opcode::tensor_copy;
  in.t[0] = tref(isa::Space::Sbuf, DType::F32, 0, 128, 0, {{0, 65535}, {0, 65535}, {0, 65535}});
  in.t[1] = in.t[0];
  in.t[1].offset = 64;
  try {
    sim::sem_tensor_copy(in, ctx);
    ADD_FAILURE() << "expected npulab::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("simulator limit"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace npulab::test
