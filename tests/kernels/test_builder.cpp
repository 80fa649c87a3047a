// The builder: emitted semaphore waits for RAW/WAR/WAW across streams (and none within a
// stream), the kMaxWaits overflow nop, DMA splitting, tile allocation limits and errors,
// and the simulator's race detector on builder programs (zero races) with a negative
// control (the same program with its waits stripped must race).
#include <gtest/gtest.h>

#include "common/error.h"
#include "isa/asm.h"
#include "kernels/builder.h"
#include "test_util.h"

namespace npulab::kernels {
namespace {

using isa::Stream;
using test::trn2;

const std::vector<isa::Instr>& stream(const Builder& b, Stream s) { return b.program().streams[uint32_t(s)]; }

// The waits of an instruction as (sem, value) pairs.
std::vector<std::pair<int, int64_t>> waits(const isa::Instr& in) {
  std::vector<std::pair<int, int64_t>> w;
  for (int i = 0; i < in.num_waits; ++i) w.emplace_back(in.waits[i].sem, in.waits[i].value);
  return w;
}

uint32_t dma_instrs(const Builder& b) {
  uint32_t n = 0;
  for (size_t s = isa::kNumFixedStreams; s < b.program().streams.size(); ++s) n += b.program().streams[s].size();
  return n;
}

TEST(Builder, RawAcrossStreamsWaitsForTheWholeDmaGroup) {
  Builder b(trn2(), "raw");
  auto X = b.input("X", DType::F32, {128, 256});
  Tile x = b.sbuf("x", DType::F32, 128, {256});
  Tile y = b.sbuf("y", DType::F32, 128, {256});
  b.load(x, X.view(0, 128, 0, 256));
  const uint32_t pieces = dma_instrs(b);
  EXPECT_GE(pieces, 4u);  // 128 partitions over several DMA engines
  b.tensor_copy(y, x);
  ASSERT_EQ(stream(b, Stream::DVE).size(), 1u);
  // One wait: the DMA set's semaphore (id 5 = first set) reaching the group's piece count.
  EXPECT_EQ(waits(stream(b, Stream::DVE)[0]), (std::vector<std::pair<int, int64_t>>{{5, pieces}}));
}

TEST(Builder, SameStreamHazardsNeedNoWait) {
  Builder b(trn2(), "same");
  Tile x = b.sbuf("x", DType::F32, 128, {64});
  b.memset(x, 1.0f);
  b.tensor_scalar(x, x, isa::AluOp::add, 2.0f);  // RAW + WAW on DVE itself
  b.tensor_copy(x, x);
  for (auto& in : stream(b, Stream::DVE)) EXPECT_EQ(in.num_waits, 0);
}

TEST(Builder, WarAndWawAcrossStreams) {
  Builder b(trn2(), "war");
  auto X = b.input("X", DType::F32, {128, 64});
  Tile x = b.sbuf("x", DType::F32, 128, {64});
  Tile acc = b.sbuf("acc", DType::F32, 128, {1});
  b.memset(x, 0.0f);                                   // DVE writes x        (DVE #1)
  b.activation(x, x, isa::ActFunc::exp, {.accum = &acc});  // ACT: RAW on DVE, WAW
  ASSERT_EQ(stream(b, Stream::ACT).size(), 1u);
  EXPECT_EQ(waits(stream(b, Stream::ACT)[0]), (std::vector<std::pair<int, int64_t>>{{int(Stream::DVE), 1}}));
  b.load(x, X.view(0, 128, 0, 64));  // DMA overwrites x: WAR/WAW on ACT (which implies DVE)
  for (size_t s = isa::kNumFixedStreams; s < b.program().streams.size(); ++s)
    for (auto& in : b.program().streams[s])
      EXPECT_EQ(waits(in), (std::vector<std::pair<int, int64_t>>{{int(Stream::ACT), 1}}));
  auto exe = b.finish();
  // Streams that are waited on signal their own semaphore on every instruction.
  for (auto& in : exe.cores[0].streams[uint32_t(Stream::ACT)]) EXPECT_EQ(in.signal, int(Stream::ACT));
}

TEST(Builder, DisjointTilesAndDisjointSlicesDoNotWait) {
  Builder b(trn2(), "disjoint");
  Tile x = b.sbuf("x", DType::F32, 128, {512});
  b.memset(x.cols(0, 256), 0.0f, Engine::Vector);
  b.memset(x.cols(256, 256), 1.0f, Engine::GpSimd);   // other half: no wait
  b.activation(x.parts(0, 64).cols(0, 256), x.parts(0, 64).cols(0, 256), isa::ActFunc::relu);  // waits DVE only
  EXPECT_EQ(stream(b, Stream::POOL)[0].num_waits, 0);
  EXPECT_EQ(waits(stream(b, Stream::ACT)[0]), (std::vector<std::pair<int, int64_t>>{{int(Stream::DVE), 1}}));
}

TEST(Builder, ManyProducersSpillIntoANop) {
  BuilderOptions o;
  o.dma_queue_sets = 8;
  Builder b(trn2(), "many", o);
  auto X = b.input("X", DType::F32, {128, 64});
  Tile t[3] = {b.sbuf("p", DType::F32, 128, {64}), b.sbuf("t", DType::F32, 128, {64}), b.sbuf("f", DType::F32, 128, {64})};
  for (auto& tile : t) {  // each operand loaded in two halves, by two different DMA sets
    b.load(tile.parts(0, 64), X.view(0, 64, 0, 64));
    b.load(tile.parts(64, 64), X.view(64, 64, 0, 64));
  }
  Tile d = b.sbuf("d", DType::F32, 128, {64});
  b.select(d, t[0], t[1], t[2]);
  const auto& dve = stream(b, Stream::DVE);
  ASSERT_EQ(dve.size(), 2u);  // a nop carrying the waits beyond kMaxWaits, then the select
  EXPECT_EQ(dve[0].op, isa::Opcode::nop);
  EXPECT_EQ(dve[0].num_waits + dve[1].num_waits, 6);
  EXPECT_LE(dve[1].num_waits, int(isa::kMaxWaits));
  EXPECT_EQ(b.stats().nops, 1u);
}

TEST(Builder, SbufFullErrorNamesTileAndUsage) {
  Builder b(trn2(), "full");
  Tile big = b.sbuf("big_panel", DType::F32, 128, {40000});  // 160,000 B of 229,376
  try {
    Tile more = b.sbuf("too_much", DType::F32, 128, {30000});
    FAIL() << "expected an SBUF-full error";
  } catch (const OnChipMemoryFull& e) {  // a typed error: callers may build something smaller
    EXPECT_EQ(e.space(), isa::Space::Sbuf);
    EXPECT_EQ(e.requested_bytes(), 120000u);
    EXPECT_EQ(e.in_use_bytes(), 160000u);
    EXPECT_EQ(e.capacity_bytes(), trn2().sbuf.bytes_per_partition);
    const std::string m = e.what();
    EXPECT_NE(m.find("SBUF"), std::string::npos) << m;
    EXPECT_NE(m.find("too_much"), std::string::npos) << m;
    EXPECT_NE(m.find("big_panel"), std::string::npos) << m;
    EXPECT_NE(m.find("120000"), std::string::npos) << m;  // requested bytes per partition
  }
}

TEST(Builder, ReleasedTilesAreReusedAndTheReuseIsSynchronised) {
  Builder b(trn2(), "reuse");
  uint64_t first_offset;
  {
    Tile t = b.sbuf("t", DType::F32, 128, {1000});
    first_offset = t.ref().offset;
    b.memset(t, 1.0f);  // DVE writes the first tile
  }
  EXPECT_EQ(b.sbuf_bytes_in_use(), 0u);
  Tile u = b.sbuf("u", DType::F32, 128, {1000});
  EXPECT_EQ(u.ref().offset, first_offset);
  b.memset(u, 2.0f, Engine::GpSimd);  // WAW on DVE's write to the same bytes
  EXPECT_EQ(waits(stream(b, Stream::POOL)[0]), (std::vector<std::pair<int, int64_t>>{{int(Stream::DVE), 1}}));
}

TEST(Builder, PsumBanksDoNotStraddleAndRunOut) {
  Builder b(trn2(), "psum");
  Tile small = b.psum("small", DType::F32, 128, {100});
  std::vector<Tile> banks;
  for (int i = 0; i < 7; ++i) banks.push_back(b.psum_bank("bank" + std::to_string(i)));
  const uint64_t bank = trn2().psum.bank_bytes();
  for (auto& t : banks) EXPECT_EQ(t.ref().offset % bank, 0u);
  try {
    b.psum_bank("ninth");
    FAIL() << "expected a PSUM-full error";
  } catch (const OnChipMemoryFull& e) {
    EXPECT_EQ(e.space(), isa::Space::Psum);
  }
}

TEST(Builder, MatmulLimitsAreChecked) {
  Builder b(trn2(), "mm");
  Tile st = b.sbuf("st", DType::BF16, 128, {128});
  Tile mv = b.sbuf("mv", DType::BF16, 128, {1024});
  Tile ps = b.psum_bank("ps");
  EXPECT_THROW(b.matmul(ps, st, mv, true), Error);  // N = 1024 > 512
  Tile ps2 = b.psum("ps2", DType::F32, 128, {1024});
  EXPECT_THROW(b.matmul(ps2.cols(256, 512), st, mv.cols(0, 512), true), Error);  // straddles two banks
}

// Shape errors come from the op's table verifier where the op is emitted, naming the
// kernel, the op, its tiles and the rule (with the hardware file for a chip limit).
TEST(Builder, ShapeErrorsNameTheTilesAndTheRule) {
  Builder b(trn2(), "shapes");
  Tile st = b.sbuf("weights", DType::BF16, 128, {128});
  Tile mv = b.sbuf("acts", DType::BF16, 128, {1024});
  Tile ps = b.psum_bank("acc");
  try {
    b.matmul(ps, st, mv, true);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("kernel 'shapes': matmul of dst 'acc', stationary 'weights', moving 'acts'"), std::string::npos) << m;
    EXPECT_NE(m.find("moving free size 1024 exceeds tensor.max_moving_free 512"), std::string::npos) << m;
  }
  Tile v = b.sbuf("v", DType::F32, 128, {16});
  try {
    b.max8(v, v);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("max8 dst must have 8 elements per partition"), std::string::npos) << e.what();
  }
  Tile p = b.psum("p", DType::F32, 128, {16});
  try {
    b.iota(p, 0, 1, 1.0f);  // iota writes SBUF only
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("iota operand dst 'p' is in psum, allowed: sbuf"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(b.program().streams[uint32_t(Stream::PE)].empty()) << "nothing emitted by a failed op";
}

// Every typed emitter is the generic table-driven path: emit_op with the same fields gives
// the same instruction on the same engine (the first engine of the row by default).
TEST(Builder, TypedEmittersAreTheTableDrivenPath) {
  Builder a(trn2(), "typed"), g(trn2(), "generic");
  Tile xa = a.sbuf("x", DType::F32, 128, {64}), ya = a.sbuf("y", DType::F32, 128, {64});
  Tile sa = a.sbuf("s", DType::F32, 128, {1});
  Tile xg = g.sbuf("x", DType::F32, 128, {64}), yg = g.sbuf("y", DType::F32, 128, {64});
  Tile sg = g.sbuf("s", DType::F32, 128, {1});
  a.tensor_scalar(ya, xa, isa::AluOp::multiply, sa, isa::AluOp::add, 2.0f);
  a.activation(ya, xa, isa::ActFunc::exp, {.scale = 0.5f, .accum = &sa});
  a.partition_reduce(ya, xa, isa::AluOp::max);
  a.tensor_copy(ya, xa, Engine::GpSimd);
  isa::Instr ts;
  ts.op = isa::Opcode::tensor_scalar;
  ts.alu0 = isa::AluOp::multiply;
  ts.alu1 = isa::AluOp::add;
  ts.imm1 = 2.0f;
  ts.flags = isa::F_SCALAR_TENSOR;
  g.emit_op(ts, {&yg, &xg, &sg});
  isa::Instr act;
  act.op = isa::Opcode::activation;
  act.act = isa::ActFunc::exp;
  act.imm0 = 0.5f;
  act.flags = isa::F_BIAS_IMM | isa::F_ACCUMULATE;
  g.emit_op(act, {&yg, &xg, nullptr, &sg});
  isa::Instr pr;
  pr.op = isa::Opcode::partition_reduce;
  pr.alu0 = isa::AluOp::max;
  g.emit_op(pr, {&yg, &xg});
  isa::Instr tc;
  tc.op = isa::Opcode::tensor_copy;
  g.emit_op(tc, {&yg, &xg}, Engine::GpSimd);
  const isa::Executable ea = a.finish(), eg = g.finish();
  for (Stream s : {Stream::DVE, Stream::ACT, Stream::POOL}) {
    const auto& sa_code = ea.cores[0].streams[uint32_t(s)];
    const auto& sg_code = eg.cores[0].streams[uint32_t(s)];
    ASSERT_EQ(sa_code.size(), sg_code.size()) << isa::stream_name(uint32_t(s));
    for (size_t i = 0; i < sa_code.size(); ++i)
      EXPECT_EQ(isa::to_text(sa_code[i]), isa::to_text(sg_code[i])) << isa::stream_name(uint32_t(s));
  }
  EXPECT_EQ(ea.cores[0].streams[uint32_t(Stream::DVE)].size(), 1u);   // tensor_scalar: DVE by default
  EXPECT_EQ(ea.cores[0].streams[uint32_t(Stream::ACT)].size(), 1u);   // activation: ACT
  EXPECT_EQ(ea.cores[0].streams[uint32_t(Stream::POOL)].size(), 2u);  // partition_reduce, tensor_copy
  Builder d(trn2(), "dma");
  Tile xd = d.sbuf("x", DType::F32, 128, {64});
  isa::Instr dm;
  dm.op = isa::Opcode::dma_copy;
  EXPECT_THROW(d.emit_op(dm, {&xd, &xd}), Error);  // DMAs are split by the builder itself
}

// A small pipeline on every engine; run with the race detector.
isa::Executable pipeline(Builder& b) {
  auto X = b.input("X", DType::F32, {256, 128});
  auto Y = b.output("Y", DType::F32, {256, 128});
  Tile ident_src[2] = {b.sbuf("xa", DType::F32, 128, {128}), b.sbuf("xb", DType::F32, 128, {128})};
  Tile ps = b.psum_bank("ps");
  Tile y[2] = {b.sbuf("ya", DType::F32, 128, {128}), b.sbuf("yb", DType::F32, 128, {128})};
  for (int r = 0; r < 2; ++r) {
    Tile& x = ident_src[r % 2];
    b.load(x, X.view(uint64_t(r) * 128, 128, 0, 128));
    b.transpose(ps.cols(0, 128), x);                                  // PE
    b.activation(y[r % 2], ps.cols(0, 128), isa::ActFunc::relu);      // ACT
    b.tensor_scalar(y[r % 2], y[r % 2], isa::AluOp::add, 1.0f);       // DVE
    b.memset(x, 0.0f, Engine::GpSimd);                                 // POOL reuses x (WAR on PE)
    b.store(Y.view(uint64_t(r) * 128, 128, 0, 128), y[r % 2]);
  }
  return b.finish();
}

// repeat_inner: a [P, C] factor read T times along a new innermost dim, so one tensor_tensor
// scales a [P, C, T] block per (partition, column), as rmsnorm's PSUM evacuation does.
TEST(Builder, RepeatInnerReadsEachFactorAlongTheNewDim) {
  Builder b(trn2(), "repeat_inner");
  auto A = b.input("A", DType::F32, {128, 12});
  auto S = b.input("S", DType::F32, {128, 4});
  auto Y = b.output("Y", DType::F32, {128, 12});
  Tile a = b.sbuf("a", DType::F32, 128, {12}), s = b.sbuf("s", DType::F32, 128, {4});
  Tile y = b.sbuf("y", DType::F32, 128, {12});
  b.load(a, A.view(0, 128, 0, 12));
  b.load(s, S.view(0, 128, 0, 4));
  b.tensor_tensor(y.reshape({4, 3}), a.reshape({4, 3}), s.repeat_inner(3), isa::AluOp::multiply);
  b.store(Y.view(0, 128, 0, 12), y);
  std::vector<float> av(128 * 12), sv(128 * 4);
  for (size_t i = 0; i < av.size(); ++i) av[i] = float(int(i % 13) - 6);
  for (size_t i = 0; i < sv.size(); ++i) sv[i] = 0.5f + float(i % 7);
  auto r = test::run(b.finish(), {{"A", av}, {"S", sv}});
  const auto& yv = r.outputs["Y"];
  for (size_t p = 0; p < 128; ++p)
    for (size_t c = 0; c < 4; ++c)
      for (size_t t = 0; t < 3; ++t)
        ASSERT_EQ(yv[p * 12 + c * 3 + t], av[p * 12 + c * 3 + t] * sv[p * 4 + c]) << p << " " << c << " " << t;
  EXPECT_NE(test::error_of([&] { (void)y.reshape({1, 2, 2, 3}).repeat_inner(2); }).find("at most 4"), std::string::npos);
}

TEST(Builder, RaceDetectorFindsNoRacesInBuilderPrograms) {
  Builder b(trn2(), "pipeline");
  auto exe = pipeline(b);
  std::vector<float> x(256 * 128);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(int(i % 17) - 8);
  auto r = test::run(exe, {{"X", x}});
  EXPECT_TRUE(r.result.races.empty()) << r.result.races.front().message;
  // Y = relu(X^T block) + 1: check a few values against the definition.
  const auto& y = r.outputs["Y"];
  for (uint64_t blk = 0; blk < 2; ++blk)
    for (uint64_t i : {0ull, 5ull, 127ull})
      for (uint64_t j : {0ull, 77ull}) {
        const float xv = x[(blk * 128 + j) * 128 + i];
        EXPECT_EQ(y[(blk * 128 + i) * 128 + j], std::max(xv, 0.0f) + 1.0f);
      }
}

TEST(Builder, StrippingTheWaitsMakesTheRaceDetectorFire) {
  Builder b(trn2(), "pipeline");
  auto exe = pipeline(b);
  for (auto& s : exe.cores[0].streams)
    for (auto& in : s)
      if (in.op != isa::Opcode::dma_copy) in.num_waits = 0;  // keep DMA set ordering only
  sim::Chip chip(trn2(), sim::Mode::TimingOnly);
  sim::SimOptions o;
  o.check_races = true;
  auto r = chip.run(exe, o);
  EXPECT_FALSE(r.races.empty());
}

}  // namespace
}  // namespace npulab::kernels
