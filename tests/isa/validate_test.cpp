// Static validation: one passing and at least one failing case per rule, each failure
// checked for the rule's message and the instruction context.
#include <gtest/gtest.h>

#include "common/error.h"
#include "isa/validate.h"

namespace npulab::isa {
namespace {

// A trn2-like chip built by hand so these tests do not depend on the hw/ loader.
arch::ChipConfig test_chip() {
  arch::ChipConfig c;
  c.name = "testchip";
  c.source_file = "hw/test.toml";
  c.cores_per_chip = 2;
  c.semaphores_per_core = 32;
  c.registers_per_engine = 16;
  c.tensor.rows = 128;
  c.tensor.cols = 128;
  c.tensor.max_moving_free = 512;
  c.sbuf = {128, 192 * 1024, 0, 0};
  c.psum = {128, 16 * 1024, 8, 0};  // 8 banks of 2 KiB = 512 fp32 per partition
  c.dma.engines_per_core = 4;
  c.dma.queues_per_engine = 2;
  c.hbm.capacity_bytes = uint64_t(1) << 30;
  return c;
}

TensorRef sb(DType dt, uint16_t p0, uint16_t np, uint64_t off, uint32_t n, int32_t stride = 1) {
  return TensorRef{Space::Sbuf, dt, 1, p0, np, 0, off, -1, 0, {Dim{stride, n}}};
}
TensorRef ps(uint16_t np, uint64_t off, uint32_t n, DType dt = DType::F32) {
  return TensorRef{Space::Psum, dt, 1, 0, np, 0, off, -1, 0, {Dim{1, n}}};
}
TensorRef hbm(DType dt, uint16_t np, int64_t pstride, uint64_t off, uint32_t n) {
  return TensorRef{Space::Hbm, dt, 1, 0, np, pstride, off, -1, 0, {Dim{1, n}}};
}

Instr matmul(uint16_t K, uint32_t M, uint32_t N) {
  Instr in;
  in.op = Opcode::matmul;
  in.t[0] = ps(uint16_t(M), 0, N);
  in.t[1] = sb(DType::BF16, 0, K, 0, M);
  in.t[2] = sb(DType::BF16, 0, K, 4096, N);
  in.flags = F_START;
  return in;
}
Instr copy(TensorRef dst, TensorRef src) {
  Instr in;
  in.op = Opcode::tensor_copy;
  in.t[0] = dst;
  in.t[1] = src;
  return in;
}

const uint32_t PE = 0, DVE = 1, ACT = 2, POOL = 3, SP = 4;

std::string error_of(const Instr& in, uint32_t stream) {
  try {
    validate_instr(in, stream, test_chip());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
#define EXPECT_OK(in, s) EXPECT_EQ(error_of(in, s), "")
#define EXPECT_ERR(in, s, text) \
  EXPECT_NE(error_of(in, s).find(text), std::string::npos) << "got: '" << error_of(in, s) << "'"

TEST(Validate, EnginePlacement) {
  EXPECT_OK(matmul(128, 128, 512), PE);
  EXPECT_ERR(matmul(128, 128, 512), DVE, "matmul cannot run on stream dve (allowed engines: pe)");
  Instr c = copy(sb(DType::F32, 0, 128, 0, 64), sb(DType::BF16, 0, 128, 1024, 64));
  EXPECT_OK(c, DVE);
  EXPECT_OK(c, ACT);
  EXPECT_OK(c, POOL);
  EXPECT_ERR(c, PE, "cannot run on stream pe");
  EXPECT_ERR(c, dma_stream(0), "cannot run on stream dma0");
  Instr nop;
  for (uint32_t s : {PE, DVE, ACT, POOL, SP, dma_stream(7)}) EXPECT_OK(nop, s);
}

TEST(Validate, DmaQueueExists) {
  Instr d;
  d.op = Opcode::dma_copy;
  d.t[0] = sb(DType::BF16, 0, 128, 0, 512);
  d.t[1] = hbm(DType::BF16, 128, 512, 0, 512);
  EXPECT_OK(d, dma_stream(7));
  EXPECT_ERR(d, dma_stream(8), "DMA queue 8 does not exist (dma.engines_per_core * dma.queues_per_engine = 8) (hw/test.toml)");
  EXPECT_ERR(d, SP, "cannot run on stream sp");
}

TEST(Validate, OperandSpaces) {
  Instr m = matmul(128, 128, 512);
  m.t[1].space = Space::Psum;
  EXPECT_ERR(m, PE, "operand stationary may not be in psum (allowed: sbuf)");
  Instr d;
  d.op = Opcode::dma_copy;
  d.t[0] = ps(128, 0, 16);
  d.t[1] = hbm(DType::F32, 128, 16, 0, 16);
  EXPECT_ERR(d, dma_stream(0), "operand dst may not be in psum (allowed: hbm|sbuf)");
}

TEST(Validate, OperandPresenceAndUnusedFields) {
  Instr m = matmul(128, 128, 512);
  m.t[2] = TensorRef{};
  EXPECT_ERR(m, PE, "missing operand 'moving' of matmul");
  m = matmul(128, 128, 512);
  m.t[3] = sb(DType::F32, 0, 1, 0, 1);
  EXPECT_ERR(m, PE, "matmul has no operand slot 3 but it is used");
  Instr ts;
  ts.op = Opcode::tensor_scalar;
  ts.t[0] = sb(DType::F32, 0, 128, 0, 64);
  ts.t[1] = sb(DType::F32, 0, 128, 256, 64);
  EXPECT_OK(ts, DVE);
  ts.t[2] = sb(DType::F32, 0, 128, 512, 1);
  EXPECT_ERR(ts, DVE, "operand 'scalar' of tensor_scalar must be omitted when flag scalar_tensor is clear");
  ts.flags = F_SCALAR_TENSOR;
  EXPECT_OK(ts, DVE);
  Instr c = copy(sb(DType::F32, 0, 128, 0, 64), sb(DType::F32, 0, 128, 1024, 64));
  c.imm0 = 2.0f;
  EXPECT_ERR(c, DVE, "field imm0 is set but tensor_copy does not use it");
  c.imm0 = 0;
  c.flags = F_START;
  EXPECT_ERR(c, DVE, "field flags is set but tensor_copy does not use it");
  m = matmul(128, 128, 512);
  m.flags |= F_REDUCE_ALL;
  EXPECT_ERR(m, PE, "flags reduce_all are not valid for matmul");
  Instr a;
  a.op = Opcode::activation;
  a.t[0] = sb(DType::F32, 0, 128, 0, 64);
  a.t[1] = sb(DType::F32, 0, 128, 256, 64);
  a.flags = F_BIAS_IMM;
  EXPECT_OK(a, ACT);
  a.flags = F_BIAS_IMM | F_SCALE_TENSOR;
  EXPECT_ERR(a, ACT, "scale_tensor is reserved");
  a.flags = 0;
  EXPECT_ERR(a, ACT, "missing operand 'bias' of activation (required when flag bias_imm is clear)");
}

TEST(Validate, PartitionStartRules) {
  struct Case { uint16_t start, count; bool ok; };
  for (Case k : {Case{0, 128, true}, Case{64, 65, false}, Case{1, 100, false}, Case{0, 64, true},
                 Case{64, 64, true}, Case{32, 64, false}, Case{64, 33, true}, Case{96, 32, true},
                 Case{32, 32, true}, Case{16, 16, false}, Case{96, 33, false}, Case{0, 1, true},
                 Case{127, 1, false}}) {
    SCOPED_TRACE(testing::Message() << k.start << ":" << k.count);
    Instr c = copy(sb(DType::F32, k.start, k.count, 0, 8), sb(DType::F32, 0, k.count, 1024, 8));
    if (k.ok) {
      EXPECT_OK(c, DVE);
    } else if (k.start + k.count <= 128) {
      EXPECT_ERR(c, DVE, fmt::format("operand dst: a tile of {} partitions may not start at partition {}", k.count, k.start));
    } else {
      EXPECT_ERR(c, DVE, "exceed the 128 SBUF partitions");
    }
  }
  Instr c = copy(sb(DType::F32, 0, 129, 0, 8), sb(DType::F32, 0, 128, 1024, 8));
  EXPECT_ERR(c, DVE, "operand dst: 129 partitions exceed the 128 SBUF partitions (hw/test.toml)");
  // PSUM follows the same rules.
  Instr p = copy(sb(DType::F32, 0, 32, 0, 8), ps(32, 0, 8));
  p.t[1].part_start = 16;
  EXPECT_ERR(p, DVE, "operand src: a tile of 32 partitions may not start at partition 16");
  // HBM rows are addressed by the partition stride, not a start partition.
  Instr d;
  d.op = Opcode::dma_copy;
  d.t[0] = sb(DType::F32, 0, 4, 0, 8);
  d.t[1] = hbm(DType::F32, 4, 8, 0, 8);
  EXPECT_OK(d, dma_stream(0));
  d.t[1].part_start = 3;
  EXPECT_ERR(d, dma_stream(0), "HBM part_start must be 0");
}

// DMA engines are not bound by the compute engines' partition-start rule (each DMA engine
// covers ~8 partitions, REFERENCES.md NC §1.6); only the bounds apply.
TEST(Validate, DmaOperandsMayStartAtAnyPartition) {
  Instr d;
  d.op = Opcode::dma_copy;
  d.t[0] = sb(DType::F32, 8, 8, 0, 8);  // SBUF partitions 8..15
  d.t[1] = hbm(DType::F32, 8, 8, 0, 8);
  EXPECT_OK(d, dma_stream(0));
  d.t[0] = sb(DType::F32, 127, 1, 0, 8);
  d.t[1] = hbm(DType::F32, 1, 8, 0, 8);
  EXPECT_OK(d, dma_stream(0));
  // SBUF -> SBUF with both operands off the compute grid.
  d.t[0] = sb(DType::F32, 8, 8, 0, 8);
  d.t[1] = sb(DType::F32, 40, 8, 1024, 8);
  EXPECT_OK(d, dma_stream(0));
  // Bounds still hold.
  d.t[0] = sb(DType::F32, 124, 8, 0, 8);
  EXPECT_ERR(d, dma_stream(0), "operand dst: partitions [124, 132) exceed the 128 SBUF partitions");
  // The same tile is rejected for a compute engine.
  EXPECT_ERR(copy(sb(DType::F32, 8, 8, 0, 8), sb(DType::F32, 0, 8, 1024, 8)), DVE,
             "operand dst: a tile of 8 partitions may not start at partition 8");
}

TEST(Validate, ByteRangesIncludingNegativeStrides) {
  const uint64_t bpp = 192 * 1024;
  EXPECT_OK(copy(sb(DType::F32, 0, 128, bpp - 256, 64), sb(DType::F32, 0, 128, 0, 64)), DVE);
  EXPECT_ERR(copy(sb(DType::F32, 0, 128, bpp - 252, 64), sb(DType::F32, 0, 128, 0, 64)), DVE,
             fmt::format("operand dst: SBUF byte range [{}, {}) per partition outside SBUF bytes_per_partition {} (hw/test.toml)",
                         bpp - 252, bpp + 4, bpp));
  // Negative stride: element i at offset - 4i; the lowest byte is offset - 4*(n-1).
  EXPECT_OK(copy(sb(DType::F32, 0, 128, 252, 64, -1), sb(DType::F32, 0, 128, 1024, 64)), DVE);
  EXPECT_ERR(copy(sb(DType::F32, 0, 128, 248, 64, -1), sb(DType::F32, 0, 128, 1024, 64)), DVE, "byte range [-4, 252)");
  // Multi-dimensional: 4 x 16 bf16 with row stride 1000 elements reaches 2*(3*1000+15)+2 bytes.
  TensorRef t{Space::Sbuf, DType::BF16, 2, 0, 128, 0, 0, -1, 0, {Dim{1000, 4}, Dim{1, 16}}};
  Instr c = copy(t, sb(DType::BF16, 0, 128, 100000, 64));
  EXPECT_OK(c, DVE);
  c.t[0].offset = bpp - 6030;
  EXPECT_ERR(c, DVE, "outside SBUF bytes_per_partition");
  c.t[0].offset = bpp - 6032;
  EXPECT_OK(c, DVE);
  // Register-relative: only the extent is checked statically.
  Instr r = copy(sb(DType::F32, 0, 128, uint64_t(1) << 40, 64), sb(DType::F32, 0, 128, 0, 64));
  r.t[0].offset_reg = 3;
  r.t[0].offset_reg_scale = 256;
  EXPECT_OK(r, DVE);
  r.t[0].dims[0] = Dim{1, uint32_t(bpp / 4 + 1)};
  EXPECT_ERR(r, DVE, "access pattern spans");
  r = copy(sb(DType::F32, 0, 128, 0, 64), sb(DType::F32, 0, 128, 0, 64));
  r.t[1].offset_reg = 16;
  EXPECT_ERR(r, DVE, "operand src: register r16 does not exist (registers_per_engine 16)");
  // HBM bounds include the partition stride.
  Instr d;
  d.op = Opcode::dma_copy;
  d.t[0] = sb(DType::F32, 0, 128, 0, 512);
  d.t[1] = hbm(DType::F32, 128, 512, (uint64_t(1) << 30) - 128 * 2048, 512);
  EXPECT_OK(d, dma_stream(0));
  d.t[1].offset += 4;
  EXPECT_ERR(d, dma_stream(0), "HBM byte range");
  d.t[1].offset = 0;
  d.t[1].part_stride = -512;
  EXPECT_ERR(d, dma_stream(0), "HBM byte range [-260096, 2048)");
}

TEST(Validate, DimsNonzero) {
  Instr c = copy(sb(DType::F32, 0, 128, 0, 64), sb(DType::F32, 0, 128, 1024, 64));
  c.t[1].dims[0].size = 0;
  EXPECT_ERR(c, DVE, "operand src: free dim 0 has size 0");
  c = copy(sb(DType::F32, 0, 0, 0, 64), sb(DType::F32, 0, 128, 1024, 64));
  EXPECT_ERR(c, DVE, "operand dst: partition count is 0");
}

TEST(Validate, MatmulLimits) {
  EXPECT_OK(matmul(128, 128, 512), PE);
  EXPECT_OK(matmul(1, 1, 1), PE);
  Instr m = matmul(128, 128, 512);
  m.t[2].dims[0].size = 1024;
  m.t[0].dims[0].size = 1024;
  EXPECT_ERR(m, PE, "moving free size 1024 exceeds tensor.max_moving_free 512 (hw/test.toml)");
  m = matmul(128, 128, 512);
  m.t[1].dims[0].size = 256;
  EXPECT_ERR(m, PE, "stationary free size 256 exceeds tensor.cols 128");
  m = matmul(128, 128, 64);
  m.t[2].part_count = 64;
  EXPECT_ERR(m, PE, "moving has 64 partitions but stationary has 128");
  arch::ChipConfig small = test_chip();
  small.tensor.rows = 64;
  EXPECT_THROW(validate_instr(matmul(128, 64, 64), PE, small), Error);
  EXPECT_NO_THROW(validate_instr(matmul(64, 64, 64), PE, small));
  m = matmul(128, 64, 512);
  m.t[0].part_count = 128;
  EXPECT_ERR(m, PE, "dst has 128 partitions, expected M = 64");
  m = matmul(128, 128, 256);
  m.t[0].dims[0].size = 512;
  EXPECT_ERR(m, PE, "dst has 512 elements per partition, expected N = 256");
  m = matmul(128, 128, 512);
  m.t[0].offset = 2048;  // bank 1 exactly
  EXPECT_OK(m, PE);
  m.t[0].offset = 1024;  // straddles banks 0 and 1
  EXPECT_ERR(m, PE, "dst PSUM bytes [1024, 3072) cross a PSUM bank boundary (bank size 2048 bytes)");
}

TEST(Validate, MatmulDtypes) {
  Instr m = matmul(128, 128, 512);
  m.t[1].dtype = m.t[2].dtype = DType::F8E4M3;
  EXPECT_OK(m, PE);
  m.t[2].dtype = DType::F16;
  EXPECT_ERR(m, PE, "stationary (f8e4m3) and moving (f16) must have the same dtype");
  m.t[1].dtype = m.t[2].dtype = DType::I8;
  EXPECT_ERR(m, PE, "matmul inputs must be floating point");
  m = matmul(128, 128, 256);
  m.t[0].dtype = DType::BF16;
  EXPECT_ERR(m, PE, "matmul dst in PSUM must be f32, got bf16");
}

TEST(Validate, TransposeShape) {
  Instr t;
  t.op = Opcode::transpose;
  t.t[0] = ps(64, 0, 128);
  t.t[1] = sb(DType::F32, 0, 128, 0, 64);
  EXPECT_OK(t, PE);
  t.t[0] = ps(128, 0, 64);
  EXPECT_ERR(t, PE, "transpose dst must be [64, 128] for src [128, 64], got [128, 64]");
}

TEST(Validate, SemaphoresAndRegisters) {
  Instr n;
  n.num_waits = 2;
  n.waits[0] = SemWait{31, -1, 1, 0};
  n.waits[1] = SemWait{0, 15, 1, 4};
  n.signal = 31;
  EXPECT_OK(n, SP);
  n.waits[1].sem = 32;
  EXPECT_ERR(n, SP, "wait on semaphore s32 but the core has 32 semaphores (hw/test.toml)");
  n.waits[1].sem = 0;
  n.waits[1].reg = 16;
  EXPECT_ERR(n, SP, "wait uses register r16 but registers_per_engine is 16");
  n.waits[1].reg = 0;
  n.signal = 32;
  EXPECT_ERR(n, SP, "signal of semaphore s32");
  Instr r;
  r.op = Opcode::reg_set;
  r.reg0 = 15;
  EXPECT_OK(r, PE);
  r.reg0 = 16;
  EXPECT_ERR(r, PE, "register r16 does not exist");
}

TEST(Validate, ExecutableContextAndBranchTargets) {
  Executable exe;
  auto& s = exe.cores.emplace_back().streams;
  s.resize(6);
  Instr set;
  set.op = Opcode::reg_set;
  Instr br;
  br.op = Opcode::branch_lt;
  br.iimm0 = 4;
  br.iimm1 = 0;
  s[0] = {set, br};
  EXPECT_NO_THROW(validate_executable(exe, test_chip()));
  s[0][1].iimm1 = 2;  // the end of the stream: allowed (stop)
  EXPECT_NO_THROW(validate_executable(exe, test_chip()));
  s[0][1].iimm1 = 3;
  try {
    validate_executable(exe, test_chip());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "core 0, stream pe, instr 1 (`branch_lt r=r0 limit=4 target=3`): branch target 3 outside the stream (0..2)");
  }
  s[0][1].iimm1 = 0;
  Instr j;
  j.op = Opcode::jump;
  j.iimm1 = -1;
  s[5] = {j};
  EXPECT_THROW(validate_executable(exe, test_chip()), Error);
  s[5].clear();
  Instr m = matmul(128, 128, 512);
  m.t[2].dims[0].size = 1024;
  m.t[0].dims[0].size = 1024;
  s[0].push_back(m);
  try {
    validate_executable(exe, test_chip());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "core 0, stream pe, instr 2 (`matmul dst=psum:f32[0:128]@0{1x1024} stationary=sbuf:bf16[0:128]@0{1x128} "
                 "moving=sbuf:bf16[0:128]@4096{1x1024} flags=start`): moving free size 1024 exceeds "
                 "tensor.max_moving_free 512 (hw/test.toml)");
  }
  s[0].pop_back();
  exe.tensors.push_back({"big", DType::F32, {uint64_t(1) << 28, 2}, 0, TensorDecl::Kind::Input});
  EXPECT_THROW(validate_executable(exe, test_chip()), Error);
  exe.tensors.clear();
  exe.cores.resize(3);
  EXPECT_THROW(validate_executable(exe, test_chip()), Error);
}

TEST(Validate, IndexDtypes) {
  Instr f;
  f.op = Opcode::find_index8;
  f.t[0] = sb(DType::I32, 0, 128, 0, 8);
  f.t[1] = sb(DType::F32, 0, 128, 64, 512);
  f.t[2] = sb(DType::F32, 0, 128, 4096, 8);
  EXPECT_OK(f, DVE);
  f.t[0].dtype = DType::F32;
  EXPECT_ERR(f, DVE, "find_index8 dst must be i32");
  Instr m;
  m.op = Opcode::max8;
  m.t[0] = sb(DType::F32, 0, 128, 0, 4);
  m.t[1] = sb(DType::F32, 0, 128, 64, 512);
  EXPECT_ERR(m, DVE, "max8 dst must have 8 elements per partition");
}

}  // namespace
}  // namespace npulab::isa
