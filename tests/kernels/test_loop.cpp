// Register loops (Builder::loop): the looped program and the same program unrolled give
// bit-identical results and the same simulated time, with zero races; the loop body is
// emitted once per stream, with register-relative HBM offsets and semaphore waits.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "common/error.h"
#include "isa/opcode_table.h"
#include "kernels/builder.h"
#include "test_util.h"

namespace npulab::kernels {
namespace {

constexpr uint32_t P = 128, C = 256;

// A small "layer stack": acc (SBUF) starts from X0; per layer i:
//   a = load A[i] ([128, 128], strided); pa = transpose(a) (PE); t = exp(pa * 0.01) (ACT)
//   acc += t[:, :128] * bias (DVE, bias loaded before the loop); acc2 = acc (ACT copy)
//   Y[i] = acc2 (store, strided); acc[:, 128:] = load X[i] (strided)
// then Z = acc. Every engine, several DMA queue sets, RAW/WAR/WAW across iterations.
isa::Executable stack(int64_t layers, bool unroll, BuilderStats* stats = nullptr) {
  BuilderOptions o;
  o.unroll_loops = unroll;
  Builder b(test::trn2(), "loop_stack", o);
  HbmTensor A = b.input("A", DType::F32, {uint64_t(layers) * P, P});
  HbmTensor X = b.input("X", DType::F32, {uint64_t(layers) * P, C});
  HbmTensor Bias = b.input("bias", DType::F32, {P, P});
  HbmTensor Y = b.output("Y", DType::F32, {uint64_t(layers) * P, C});
  HbmTensor Z = b.output("Z", DType::F32, {P, C});
  Tile acc = b.sbuf("acc", DType::F32, P, {C});
  Tile acc2 = b.sbuf("acc2", DType::F32, P, {C});
  Tile bias = b.sbuf("bias", DType::F32, P, {P});
  Tile a = b.sbuf("a", DType::F32, P, {P});
  Tile t = b.sbuf("t", DType::F32, P, {P});
  Tile pa = b.psum("pa", DType::F32, P, {P});
  b.load(acc, X.view(0, P, 0, C));
  b.load(bias, Bias.view(0, P, 0, P));
  const std::vector<LoopRange> ranges = {{A.offset(), P * P * 4, int64_t(P * P * 4)},
                                         {X.offset(), P * C * 4, int64_t(P * C * 4)},
                                         {Y.offset(), P * C * 4, int64_t(P * C * 4)}};
  b.loop(layers, ranges, [&](const LoopVar& l) {
    const uint64_t r0 = uint64_t(l.index) * P;
    b.load(a, A.view(r0, P, 0, P));
    b.transpose(pa, a);
    b.activation(t, pa, isa::ActFunc::exp, {.scale = 0.01f});
    b.tensor_tensor(t, t, bias, isa::AluOp::multiply);
    b.tensor_tensor(acc.cols(0, P), acc.cols(0, P), t, isa::AluOp::add);
    b.tensor_copy(acc2, acc, Engine::Scalar);
    b.store(Y.view(r0, P, 0, C), acc2);
    b.load(acc.cols(P, C - P), X.view(r0, P, P, C - P));
  });
  b.store(Z.view(0, P, 0, C), acc);
  if (stats) *stats = b.stats();
  return b.finish();
}

std::map<std::string, std::vector<float>> inputs(int64_t layers) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  auto fill = [&](size_t n) {
    std::vector<float> v(n);
    for (auto& x : v) x = u(rng);
    return v;
  };
  return {{"A", fill(size_t(layers) * P * P)}, {"X", fill(size_t(layers) * P * C)}, {"bias", fill(P * P)}};
}

TEST(BuilderLoop, LoopedEqualsUnrolledBitForBitWithSameTimeAndNoRaces) {
  for (int64_t layers : {3, 4, 9}) {
    BuilderStats ls, us;
    const isa::Executable looped = stack(layers, false, &ls), unrolled = stack(layers, true, &us);
    EXPECT_EQ(ls.loops, 1u);
    EXPECT_EQ(ls.loops_unrolled, 0u);
    EXPECT_EQ(us.loops, 0u);
    const auto in = inputs(layers);
    auto rl = test::run(looped, in), ru = test::run(unrolled, in);
    EXPECT_TRUE(rl.result.races.empty()) << rl.result.races.front().message;
    EXPECT_TRUE(ru.result.races.empty()) << ru.result.races.front().message;
    for (const char* name : {"Y", "Z"}) {
      const auto &a = rl.outputs.at(name), &u = ru.outputs.at(name);
      ASSERT_EQ(a.size(), u.size());
      EXPECT_EQ(0, std::memcmp(a.data(), u.data(), a.size() * sizeof(float))) << name << " layers " << layers;
    }
    // Same data instructions executed; the looped program adds reg_set/reg_add/branch_lt
    // per stream and iteration (1 + 2*(layers-1) control instructions per looping stream).
    EXPECT_EQ(rl.result.total_ns, ru.result.total_ns) << "layers " << layers;
    EXPECT_GT(rl.result.instrs, ru.result.instrs);
  }
  // Program size: iteration 0 + the loop body (+ control) whatever the layer count.
  EXPECT_EQ(stack(9, false).num_instrs(), stack(4, false).num_instrs());
  EXPECT_LT(stack(9, false).num_instrs(), stack(9, true).num_instrs());
}

TEST(BuilderLoop, BodyUsesRegisterOffsetsAndRegisterWaits) {
  const isa::Executable exe = stack(6, false);
  const auto& pe = exe.cores[0].streams[size_t(isa::Stream::PE)];
  // pe: transpose (iteration 0), reg_set, transpose (body), reg_add, branch_lt
  ASSERT_EQ(pe.size(), 5u);
  EXPECT_EQ(pe[1].op, isa::Opcode::reg_set);
  EXPECT_EQ(pe[3].op, isa::Opcode::reg_add);
  EXPECT_EQ(pe[4].op, isa::Opcode::branch_lt);
  EXPECT_EQ(pe[4].iimm0, 6);
  EXPECT_EQ(pe[4].iimm1, 2);
  bool reg_wait = false, reg_offset = false;
  for (uint32_t w = 0; w < pe[2].num_waits; ++w) reg_wait |= pe[2].waits[w].reg >= 0;
  EXPECT_TRUE(reg_wait);  // waits for this iteration's load of A[i]
  for (const auto& s : exe.cores[0].streams)
    for (const auto& in : s)
      for (const auto& t : in.t) reg_offset |= t.used() && t.offset_reg >= 0;
  EXPECT_TRUE(reg_offset);
  // Control instructions never signal (the builder's counts are of data instructions).
  for (const auto& s : exe.cores[0].streams)
    for (const auto& in : s) {
      if (in.op == isa::Opcode::reg_set || in.op == isa::Opcode::reg_add || in.op == isa::Opcode::branch_lt) {
        EXPECT_EQ(in.signal, -1);
      }
    }
}

TEST(BuilderLoop, BodyThatChangesBetweenIterationsFallsBackToUnrolledCode) {
  for (bool unroll : {false, true}) {
    BuilderOptions o;
    o.unroll_loops = unroll;
    Builder b(test::trn2(), "irregular", o);
    HbmTensor X = b.input("X", DType::F32, {P, 64});
    HbmTensor Y = b.output("Y", DType::F32, {P, 64});
    Tile x = b.sbuf("x", DType::F32, P, {64});
    b.load(x, X.view(0, P, 0, 64));
    b.loop(5, {}, [&](const LoopVar& l) {  // a different immediate per iteration
      b.tensor_scalar(x, x, isa::AluOp::add, float(l.index));
    });
    b.store(Y.view(0, P, 0, 64), x);
    EXPECT_EQ(b.stats().loops, 0u);
    EXPECT_EQ(b.stats().loops_unrolled, unroll ? 0u : 1u);
    const isa::Executable exe = b.finish();
    std::vector<float> xv(P * 64, 1.0f);
    auto r = test::run(exe, {{"X", xv}});
    EXPECT_TRUE(r.result.races.empty());
    for (float v : r.outputs.at("Y")) ASSERT_EQ(v, 11.0f);  // 1 + 0+1+2+3+4
  }
}

// Tagged instructions (Builder::set_tag) keep pointing at themselves through a register
// loop: iteration 0 and the loop body once (the checked copy dropped, the body moved down by
// the reg_set), every iteration when the loop is unrolled or falls back to unrolled code.
TEST(BuilderLoop, TaggedInstructionsAreFoundAfterTheLoopIsFormed) {
  for (int mode = 0; mode < 3; ++mode) {  // 0 looped, 1 unrolled by option, 2 irregular body
    BuilderOptions o;
    o.unroll_loops = mode == 1;
    Builder b(test::trn2(), "tags", o);
    HbmTensor X = b.input("X", DType::F32, {5 * P, 64});
    HbmTensor Y = b.output("Y", DType::F32, {P, 64});
    Tile x = b.sbuf("x", DType::F32, P, {64});
    b.memset(x, 0.0f);
    b.loop(5, {{X.offset(), P * 64 * 4, int64_t(P * 64 * 4)}}, [&](const LoopVar& l) {
      Tile t = b.sbuf("t", DType::F32, P, {64});
      b.set_tag(7);
      b.load(t, X.view(uint64_t(l.index) * P, P, 0, 64));
      b.set_tag(9);
      b.tensor_scalar(t, t, isa::AluOp::add, mode == 2 ? float(l.index) : 1.0f);
      b.set_tag(0);
      b.tensor_tensor(x, x, t, isa::AluOp::add);
    });
    b.set_tag(11);
    b.store(Y.view(0, P, 0, 64), x);
    b.set_tag(0);
    const isa::Executable exe = b.finish();
    const size_t copies = mode == 0 ? 2 : 5;  // iteration 0 + the body, or every iteration
    size_t dma7 = 0, add9 = 0, store11 = 0;
    for (const auto& t : b.tagged()) {
      const isa::Instr& in = exe.cores[0].streams[t.stream][t.pc];
      if (t.tag == 7) dma7 += in.op == isa::Opcode::dma_copy && in.t[1].space == isa::Space::Hbm;
      if (t.tag == 9) add9 += in.op == isa::Opcode::tensor_scalar;
      if (t.tag == 11) store11 += in.op == isa::Opcode::dma_copy && in.t[0].space == isa::Space::Hbm;
    }
    EXPECT_EQ(b.tagged().size(), dma7 + add9 + store11) << "mode " << mode << ": a tag points elsewhere";
    EXPECT_EQ(add9, copies) << "mode " << mode;
    EXPECT_EQ(dma7, copies * 16) << "mode " << mode;  // 16 DMA pieces per load
    EXPECT_EQ(store11, 16u) << "mode " << mode;
  }
}

TEST(BuilderLoop, ErrorsForNestingAndStraddlingRanges) {
  Builder b(test::trn2(), "bad");
  HbmTensor X = b.input("X", DType::F32, {4 * P, 64});
  Tile x = b.sbuf("x", DType::F32, P, {64});
  EXPECT_THROW(b.loop(4, {}, [&](const LoopVar&) { b.loop(2, {}, [](const LoopVar&) {}); }), Error);
  // Iteration i's range is rows [i*P, i*P + P/2): a load of P rows straddles it.
  const std::vector<LoopRange> r = {{X.offset(), P / 2 * 64 * 4, int64_t(P * 64 * 4)}};
  EXPECT_THROW(b.loop(4, r, [&](const LoopVar& l) { b.load(x, X.view(uint64_t(l.index) * P, P, 0, 64)); }), Error);
}

}  // namespace
}  // namespace npulab::kernels
