// Small-tile fast paths of the functional simulator (docs/PERFORMANCE.md "Functional
// generation") against definitions written out element by element:
//  - affine_select's masked index ranges (found in closed form, filled in place when dst is
//    src) equal evaluating `base + p*pmul + i*step <cmp> 0` for every element, for every
//    comparison, positive/negative/zero steps and bases outside the row;
//  - transpose straight between scratchpad rows equals the transposed element order, for
//    1-, 2- and 4-byte elements and SBUF -> PSUM as the compiler emits it;
//  - copy_raw between runs of different lengths (HBM rows into padded SBUF slots, as the
//    partition-major V cache loads, the reverse, and lengths that do not divide) equals an
//    element-by-element copy, including runs that cross an HBM page and pages never written;
//  - the scratchpad's "every partition ready" watermark never skips a fill.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "common/error.h"
#include "sem_harness.h"

namespace npulab::test {
namespace {

using isa::AluOp;
using isa::Space;

bool keeps(AluOp cmp, int64_t v) {
  switch (cmp) {
    case AluOp::is_equal: return v == 0;
    case AluOp::not_equal: return v != 0;
    case AluOp::is_gt: return v > 0;
    case AluOp::is_ge: return v >= 0;
    case AluOp::is_lt: return v < 0;
    default: return v <= 0;
  }
}

TEST(FuncSmallTiles, AffineSelectRangesEqualElementwiseDefinition) {
  const AluOp cmps[] = {AluOp::is_equal, AluOp::not_equal, AluOp::is_gt, AluOp::is_ge, AluOp::is_lt, AluOp::is_le};
  const int64_t bases[] = {-300, -7, -1, 0, 1, 5, 37, 300};
  const int64_t pmuls[] = {0, 1, -3};
  const int64_t steps[] = {-3, -1, 0, 1, 2};
  std::mt19937 g(5);
  for (const bool in_place : {true, false})
    for (AluOp cmp : cmps)
      for (int64_t base : bases)
        for (int64_t pmul : pmuls)
          for (int64_t step : steps) {
            SCOPED_TRACE(::testing::Message() << "cmp " << int(cmp) << " base " << base << " pmul " << pmul
                                              << " step " << step << (in_place ? " in place" : ""));
            SemMachine m;
            const uint32_t P = 5, F = 37;
            const isa::TensorRef src = tref(Space::Psum, DType::F32, 3, P, 64, {{1, F}});
            const isa::TensorRef dst = in_place ? src : tref(Space::Sbuf, DType::F32, 1, P, 256, {{1, F}});
            std::vector<uint64_t> codes(size_t(P) * F);
            for (auto& c : codes) c = fbits(float(g() % 1000) - 500.0f);
            m.put(src, codes);
            isa::Instr in;
            in.op = isa::Opcode::affine_select;
            in.t[0] = dst;
            in.t[1] = src;
            in.alu0 = cmp;
            in.iimm0 = base;
            in.iimm1 = pmul;
            in.imm1 = float(step);
            in.imm0 = -7.25f;
            auto ctx = m.ctx();
            sim::sem_affine_select(in, ctx);
            const auto got = m.get(dst);
            for (uint32_t p = 0; p < P; ++p)
              for (uint32_t i = 0; i < F; ++i) {
                const size_t e = size_t(p) * F + i;
                const uint64_t want = keeps(cmp, base + int64_t(p) * pmul + int64_t(i) * step) ? codes[e] : fbits(-7.25f);
                ASSERT_EQ(got[e], want) << "p " << p << " i " << i;
              }
          }
}

TEST(FuncSmallTiles, AffineSelectOverflowFailsBeforeAnyStore) {
  SemMachine m;
  const isa::TensorRef t = tref(Space::Sbuf, DType::F32, 0, 4, 0, {{1, 8}});
  const std::vector<uint64_t> codes(32, fbits(1.0f));
  m.put(t, codes);
  isa::Instr in;
  in.op = isa::Opcode::affine_select;
  in.t[0] = in.t[1] = t;
  in.alu0 = AluOp::is_ge;
  in.iimm0 = -1;                 // row 0 would be masked...
  in.iimm1 = INT64_MAX / 2;      // ...but row 3's value overflows
  in.imm1 = 1.0f;
  auto ctx = m.ctx();
  EXPECT_THROW(sim::sem_affine_select(in, ctx), Error);
  EXPECT_EQ(m.get(t), codes);
}

TEST(FuncSmallTiles, TransposeBetweenRowsEqualsTransposedOrder) {
  struct Case {
    DType dt;
    uint32_t P, F;
    Space from, to;
  };
  const Case cases[] = {{DType::F32, 1, 8, Space::Sbuf, Space::Psum},   {DType::F32, 8, 1, Space::Sbuf, Space::Psum},
                        {DType::F32, 8, 128, Space::Sbuf, Space::Psum}, {DType::BF16, 5, 7, Space::Sbuf, Space::Sbuf},
                        {DType::U8, 3, 9, Space::Psum, Space::Sbuf}};
  std::mt19937 g(9);
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "P " << c.P << " F " << c.F << " esz " << dtype_size(c.dt));
    SemMachine m;
    const isa::TensorRef src = tref(c.from, c.dt, 2, uint16_t(c.P), 32, {{1, c.F}});
    const isa::TensorRef dst = tref(c.to, c.dt, 0, uint16_t(c.F), 4096, {{1, c.P}});
    std::vector<uint64_t> codes(size_t(c.P) * c.F);
    for (auto& x : codes) x = g() & ((uint64_t(1) << (8 * dtype_size(c.dt))) - 1);
    m.put(src, codes);
    isa::Instr in;
    in.op = isa::Opcode::transpose;
    in.t[0] = dst;
    in.t[1] = src;
    auto ctx = m.ctx();
    sim::sem_transpose(in, ctx);
    const auto got = m.get(dst);
    for (uint32_t p = 0; p < c.P; ++p)
      for (uint32_t f = 0; f < c.F; ++f) ASSERT_EQ(got[size_t(f) * c.P + p], codes[size_t(p) * c.F + f]);
  }
}

TEST(FuncSmallTiles, CopyBetweenUnequalRunsEqualsElementwiseCopy) {
  // 4 blocks x 16 keys of a partition-major V cache row (HBM, block stride 3072 elements)
  // into slots of 8 elements padded to 16 (SBUF): runs of 16 against runs of 8. The source
  // straddles an HBM page; the same copy from pages never written reads 0xFF.
  SemMachine m;
  const uint64_t page = sim::Hbm::kPageSize;
  isa::TensorRef src = tref(Space::Hbm, DType::F32, 0, 3, page - 24, {{3072, 4}, {1, 16}});
  src.part_stride = 24;
  const isa::TensorRef dst = tref(Space::Sbuf, DType::F32, 4, 3, 64, {{32, 4}, {16, 2}, {1, 8}});
  std::vector<uint64_t> codes(src.elems());
  for (size_t i = 0; i < codes.size(); ++i) codes[i] = 0x3F800000u + i;
  m.put(src, codes);
  isa::Instr in;
  in.op = isa::Opcode::dma_copy;
  in.t[0] = dst;
  in.t[1] = src;
  auto ctx = m.ctx();
  sim::sem_dma_copy(in, ctx);
  EXPECT_EQ(m.get(dst), codes);

  isa::TensorRef fresh = src;
  fresh.offset = 40 * page - 24;  // pages never written: every byte 0xFF
  const isa::TensorRef dst2 = tref(Space::Sbuf, DType::F32, 0, 3, 1024, {{32, 4}, {16, 2}, {1, 8}});
  in.t[0] = dst2;
  in.t[1] = fresh;
  sim::sem_dma_copy(in, ctx);
  EXPECT_EQ(m.get(dst2), std::vector<uint64_t>(dst2.elems(), 0xFFFFFFFFu));
}

TEST(FuncSmallTiles, CopyPairsRunsOfEveryLengthRatio) {
  // Runs of equal length, source runs k times the destination's and the reverse, and
  // lengths that do not divide (12 against 8 bytes): each equals the elementwise copy.
  struct Case {
    const char* name;
    isa::TensorRef dst, src;
  };
  isa::TensorRef rows = tref(Space::Hbm, DType::F32, 0, 2, 4096, {{1, 48}});
  rows.part_stride = 100;
  const Case cases[] = {
      {"equal", tref(Space::Sbuf, DType::F32, 0, 2, 0, {{8, 6}, {1, 8}}), tref(Space::Psum, DType::F32, 3, 2, 64, {{16, 6}, {1, 8}})},
      {"slots to rows", rows, tref(Space::Sbuf, DType::F32, 1, 2, 32, {{32, 3}, {16, 2}, {1, 8}})},
      {"12 vs 8 bytes", tref(Space::Sbuf, DType::F32, 0, 2, 512, {{4, 12}, {1, 2}}), tref(Space::Psum, DType::F32, 0, 2, 0, {{5, 8}, {1, 3}})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    SemMachine m;
    std::vector<uint64_t> codes(c.src.elems());
    for (size_t i = 0; i < codes.size(); ++i) codes[i] = 0x40000000u + 3 * i;
    m.put(c.src, codes);
    isa::Instr in;
    in.op = isa::Opcode::dma_copy;
    in.t[0] = c.dst;
    in.t[1] = c.src;
    auto ctx = m.ctx();
    sim::sem_dma_copy(in, ctx);
    EXPECT_EQ(m.get(c.dst), codes);
  }
}

TEST(FuncSmallTiles, ScratchpadWatermarkNeverSkipsAFill) {
  sim::Scratchpad s(4, 64 * 1024, true);
  s.prepare(0, 4, 5000);   // every partition ready to 8192 (4 KiB steps)
  s.data_row(1)[100] = 3;
  s.prepare(2, 1, 20000);  // one partition further: the others must still be filled later
  s.prepare(0, 4, 12000);
  for (uint32_t p = 0; p < 4; ++p)
    for (uint64_t i = 0; i < 12000; ++i) ASSERT_EQ(s.data_row(p)[i], p == 1 && i == 100 ? 3 : sim::kUninitByte);
}

}  // namespace
}  // namespace npulab::test
