// Fast paths of the functional simulator against plain definitions:
//  - the host matmul with BF16/F32 operands read in place (packed-BF16 and narrow-N
//    kernels) equals a scalar fma chain over decoded values, bit for bit, at odd sizes and
//    padded leading dimensions;
//  - sem_matmul reading SBUF tiles in place equals the same product on gathered copies, and
//    an operand overlapping dst is still read before dst is written;
//  - dma_copy / copy_raw (direct copies between memories) equals an element-by-element
//    copy for contiguous, strided, broadcast, page-crossing HBM and overlapping patterns,
//    and unwritten memory still reads as 0xFF;
//  - memset fills exactly its elements in place (dense, strided, HBM rows).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "sched_util.h"
#include "sem_harness.h"
#include "sim/kernels_host/helper_thread.h"
#include "sim/kernels_host/matmul_f32.h"

namespace npulab::test {
namespace {

using sim::host::MatElem;
using sim::host::MatmulImpl;
using sim::host::MatView;

float bf16f(uint16_t h) { return bitsf(uint32_t(h) << 16); }

// Random BF16 codes with a wide exponent range (partial sums round often, so an order
// change would show) and a few NaNs / infinities.
std::vector<uint16_t> random_bf16(size_t n, std::mt19937& g) {
  std::uniform_int_distribution<int> sign(0, 1), exp(127 - 12, 127 + 12), mant(0, 127), special(0, 499);
  std::vector<uint16_t> v(n);
  for (auto& h : v) {
    h = uint16_t(sign(g) << 15 | exp(g) << 7 | mant(g));
    const int s = special(g);
    if (s == 0) h = 0x7FC1;  // NaN with payload
    if (s == 1) h = 0xFF80;  // -inf
  }
  return v;
}

// The definition, written out: one fma chain per output in k order from +0.
void reference(const std::vector<float>& A, size_t lda, const std::vector<float>& B, size_t ldb,
               std::vector<float>& C, size_t ldc, int M, int N, int K, bool acc) {
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      float s = 0.0f;
      for (int k = 0; k < K; ++k) s = std::fmaf(A[size_t(k) * lda + m], B[size_t(k) * ldb + n], s);
      float& c = C[size_t(m) * ldc + n];
      c = acc ? c + s : s;
      if (std::isnan(c)) c = bitsf(0x7FC00000u);
    }
}

TEST(FuncMatmulKernel, Bf16AndF32ViewsEqualScalarDefinition) {
  std::mt19937 g(11);
  sim::host::HelperThread helper;
  struct Shape { int M, N, K; };
  const Shape shapes[] = {{128, 512, 128}, {128, 1, 64}, {128, 3, 64}, {37, 5, 17}, {8, 7, 9},
                          {7, 2, 130},     {14, 16, 5},  {13, 40, 7},  {1, 1, 1},   {3, 9, 0},
                          {128, 8, 128},   {33, 1, 3},   {1, 172, 64}, {1, 512, 9},
                          {2, 37, 8},      {3, 40, 9},   {4, 23, 1},   {5, 100, 33}, {6, 8, 2},
                          {64, 300, 129}};  // large: columns split with the helper thread
  for (const Shape s : shapes)
    for (int combo = 0; combo < 4; ++combo)
      for (bool acc : {false, true}) {
        const bool a16 = combo & 1, b16 = combo & 2;
        SCOPED_TRACE(testing::Message() << s.M << "x" << s.N << "x" << s.K << " A " << (a16 ? "bf16" : "f32")
                                        << " B " << (b16 ? "bf16" : "f32") << (acc ? " acc" : ""));
        const size_t lda = s.M + 5, ldb = s.N + 3, ldc = s.N + 2;  // odd padded strides
        const size_t ka = std::max(1, s.K);
        auto ha = random_bf16(ka * lda, g), hb = random_bf16(ka * ldb, g), hc = random_bf16(s.M * ldc, g);
        std::vector<float> fa(ha.size()), fb(hb.size()), c0(hc.size());
        for (size_t i = 0; i < ha.size(); ++i) fa[i] = bf16f(ha[i]);
        for (size_t i = 0; i < hb.size(); ++i) fb[i] = bf16f(hb[i]);
        for (size_t i = 0; i < hc.size(); ++i) c0[i] = bf16f(hc[i]);
        auto want = c0;
        reference(fa, lda, fb, ldb, want, ldc, s.M, s.N, s.K, acc);
        const MatView A = a16 ? MatView{ha.data(), lda, MatElem::BF16} : MatView{fa.data(), lda, MatElem::F32};
        const MatView B = b16 ? MatView{hb.data(), ldb, MatElem::BF16} : MatView{fb.data(), ldb, MatElem::F32};
        for (int variant = 0; variant < 3; ++variant) {  // scalar, AVX2 + helper, AVX2 on one thread
          const auto impl = variant == 0 ? MatmulImpl::Scalar : MatmulImpl::Auto;
          auto got = c0;
          sim::host::matmul(A, B, got.data(), ldc, s.M, s.N, s.K, acc, impl, variant == 1 ? &helper : nullptr);
          for (size_t i = 0; i < got.size(); ++i)
            ASSERT_EQ(fbits(got[i]), fbits(want[i])) << "element " << i << " variant " << variant;
        }
      }
}

// Expected matmul result from the operand values as read before the instruction.
std::vector<uint64_t> expected_matmul(SemMachine& m, const isa::Instr& in) {
  auto decode = [](DType t, uint64_t c) { return t == DType::F32 ? bitsf(uint32_t(c)) : bf16f(uint16_t(c)); };
  const auto &dst = in.t[0], &st = in.t[1], &mv = in.t[2];
  const int K = st.part_count, M = int(st.free_elems()), N = int(mv.free_elems());
  auto sc = m.get(st), mc = m.get(mv), dc = m.get(dst);
  std::vector<float> A(sc.size()), B(mc.size()), C(dc.size());
  for (size_t i = 0; i < sc.size(); ++i) A[i] = decode(st.dtype, sc[i]);
  for (size_t i = 0; i < mc.size(); ++i) B[i] = decode(mv.dtype, mc[i]);
  for (size_t i = 0; i < dc.size(); ++i) C[i] = bitsf(uint32_t(dc[i]));
  reference(A, M, B, N, C, N, M, N, K, !(in.flags & isa::F_START));
  std::vector<uint64_t> out(C.size());
  for (size_t i = 0; i < C.size(); ++i) out[i] = fbits(C[i]);
  return out;
}

std::vector<uint64_t> codes(const std::vector<uint16_t>& h) { return {h.begin(), h.end()}; }

TEST(FuncSemMatmul, InPlaceStridedAndOverlappingOperands) {
  std::mt19937 g(5);
  using isa::Space;
  struct Case {
    const char* name;
    isa::TensorRef dst, st, mv;
  };
  const Case cases[] = {
      // Dense BF16 SBUF tiles: read in place.
      {"dense bf16", tref(Space::Psum, DType::F32, 0, 20, 64, {{1, 24}}),
       tref(Space::Sbuf, DType::BF16, 3, 11, 2, {{1, 20}}), tref(Space::Sbuf, DType::BF16, 3, 11, 200, {{1, 24}})},
      // Narrow N, F32 in SBUF.
      {"narrow f32", tref(Space::Psum, DType::F32, 1, 40, 0, {{1, 2}}),
       tref(Space::Sbuf, DType::F32, 0, 16, 8, {{1, 40}}), tref(Space::Sbuf, DType::F32, 0, 16, 400, {{1, 2}})},
      // Strided stationary (every other element): goes through a gathered copy.
      {"strided", tref(Space::Psum, DType::F32, 0, 9, 0, {{1, 34}}),
       tref(Space::Sbuf, DType::BF16, 0, 6, 0, {{2, 9}}), tref(Space::Sbuf, DType::BF16, 0, 6, 100, {{17, 2}, {1, 17}})},
      // Moving tile in PSUM overlapping dst: its second 16-column panel lies where the
      // first panel's results go, so it must be read before dst is written.
      {"overlap moving", tref(Space::Psum, DType::F32, 0, 16, 64, {{1, 32}}),
       tref(Space::Sbuf, DType::F32, 0, 16, 0, {{1, 16}}), tref(Space::Psum, DType::F32, 0, 16, 0, {{1, 32}})},
      // Stationary in PSUM overlapping dst with narrow N (the kernel that reads A in place).
      {"overlap stationary", tref(Space::Psum, DType::F32, 0, 16, 0, {{1, 2}}),
       tref(Space::Psum, DType::F32, 0, 16, 0, {{1, 16}}), tref(Space::Sbuf, DType::F32, 0, 16, 0, {{1, 2}})},
  };
  for (const Case& c : cases)
    for (bool start : {true, false}) {
      SCOPED_TRACE(testing::Message() << c.name << (start ? " start" : " acc"));
      SemMachine m;
      auto fill = [&](const isa::TensorRef& r) {
        auto h = random_bf16(r.elems(), g);
        if (r.dtype == DType::F32) {
          std::vector<uint64_t> w(h.size());
          for (size_t i = 0; i < h.size(); ++i) w[i] = uint64_t(h[i]) << 16;
          m.put(r, w);
        } else {
          m.put(r, codes(h));
        }
      };
      fill(c.dst);
      fill(c.st);
      fill(c.mv);
      const auto in = sim::testutil::matmul(c.dst, c.st, c.mv, start);
      const auto want = expected_matmul(m, in);
      auto ctx = m.ctx();
      sim::sem_matmul(in, ctx);
      EXPECT_EQ(m.get(c.dst), want);
    }
}

isa::Instr dma(const isa::TensorRef& dst, const isa::TensorRef& src) {
  isa::Instr in;
  in.op = isa::Opcode::dma_copy;
  in.t[0] = dst;
  in.t[1] = src;
  return in;
}

isa::TensorRef hbm_ref(DType dt, uint16_t parts, int64_t part_stride, uint64_t offset,
                       std::vector<std::pair<int32_t, uint32_t>> dims) {
  auto r = tref(isa::Space::Hbm, dt, 0, parts, offset, std::move(dims));
  r.part_stride = part_stride;
  return r;
}

TEST(FuncDmaCopy, DirectCopiesEqualElementByElementCopy) {
  using isa::Space;
  constexpr uint64_t kPage = sim::Hbm::kPageSize;
  struct Case {
    const char* name;
    isa::TensorRef dst, src;
  };
  const Case cases[] = {
      {"hbm rows -> sbuf partitions", tref(Space::Sbuf, DType::F32, 8, 8, 64, {{1, 64}}),
       hbm_ref(DType::F32, 8, 64, 4096, {{1, 64}})},
      {"hbm strided rows -> sbuf", tref(Space::Sbuf, DType::BF16, 0, 5, 2, {{1, 33}}),
       hbm_ref(DType::BF16, 5, 100, 6, {{1, 33}})},
      {"hbm page-crossing -> sbuf", tref(Space::Sbuf, DType::F32, 0, 4, 0, {{1, 3000}}),
       hbm_ref(DType::F32, 4, 3000, 3 * kPage - 1000, {{1, 3000}})},
      {"sbuf -> hbm reshaped", hbm_ref(DType::F32, 2, 200, 2 * kPage - 400, {{1, 200}}),
       tref(Space::Sbuf, DType::F32, 1, 4, 12, {{1, 100}})},
      {"sbuf 2d -> hbm", hbm_ref(DType::BF16, 3, 64, 0, {{16, 4}, {1, 16}}),
       tref(Space::Sbuf, DType::BF16, 5, 3, 0, {{20, 4}, {1, 16}})},
      {"strided sbuf src", tref(Space::Sbuf, DType::F32, 0, 4, 0, {{1, 10}}),
       tref(Space::Sbuf, DType::F32, 10, 4, 40, {{3, 10}})},
      {"broadcast src", tref(Space::Sbuf, DType::F32, 0, 2, 0, {{1, 48}}),
       hbm_ref(DType::F32, 2, 4, 8, {{0, 12}, {1, 4}})},
      {"hbm -> hbm across pages", hbm_ref(DType::U8, 1, 0, 5 * kPage - 7, {{1, 70000}}),
       hbm_ref(DType::U8, 1, 0, 9 * kPage + 3, {{1, 70000}})},
      {"overlapping sbuf", tref(Space::Sbuf, DType::F32, 0, 3, 16, {{1, 32}}),
       tref(Space::Sbuf, DType::F32, 0, 3, 0, {{1, 32}})},
      {"overlapping hbm", hbm_ref(DType::I32, 1, 0, 100, {{1, 64}}), hbm_ref(DType::I32, 1, 0, 60, {{1, 64}})},
      {"overlapping sbuf partitions", tref(Space::Sbuf, DType::F32, 1, 4, 0, {{1, 8}}),
       tref(Space::Sbuf, DType::F32, 0, 4, 0, {{1, 8}})},
      {"overlapping hbm rows", hbm_ref(DType::I32, 4, 32, 128, {{1, 16}}), hbm_ref(DType::I32, 4, 32, 0, {{1, 16}})},
      {"whole partitions merge", tref(Space::Psum, DType::F32, 0, 2, 0, {{1, 4096}}),
       tref(Space::Sbuf, DType::F32, 0, 2, 0, {{1, 4096}})},
  };
  std::mt19937_64 g(3);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    SemMachine m;
    std::vector<uint64_t> src(c.src.elems()), before(c.dst.elems());
    const uint64_t mask = dtype_size(c.src.dtype) == 8 ? ~0ull : (1ull << (8 * dtype_size(c.src.dtype))) - 1;
    for (auto& v : src) v = g() & mask;
    for (auto& v : before) v = g() & mask;
    m.put(c.dst, before);
    m.put(c.src, src);
    const auto want = m.get(c.src);  // what the source reads as (broadcast/overlap included)
    auto ctx = m.ctx();
    sim::sem_dma_copy(dma(c.dst, c.src), ctx);
    EXPECT_EQ(m.get(c.dst), want);
  }
}

TEST(FuncDmaCopy, UnwrittenMemoryReadsAsUninitBytes) {
  using isa::Space;
  SemMachine m;
  // Never-written HBM (no page) and never-touched SBUF bytes both read as 0xFF.
  const auto dst = tref(Space::Sbuf, DType::U8, 100, 2, 15000, {{1, 300}});
  const auto src = hbm_ref(DType::U8, 2, 300, 77ull << 20, {{1, 300}});
  m.put(dst, std::vector<uint64_t>(600, 0x12));
  auto ctx = m.ctx();
  sim::sem_dma_copy(dma(dst, src), ctx);
  for (auto v : m.get(dst)) ASSERT_EQ(v, sim::kUninitByte);
  EXPECT_EQ(m.hbm.pages_allocated(), 0u);
  const auto fresh = tref(Space::Psum, DType::U8, 0, 3, 9000, {{1, 100}});
  const auto back = hbm_ref(DType::U8, 3, 100, 4096, {{1, 100}});
  sim::sem_dma_copy(dma(back, fresh), ctx);
  for (auto v : m.get(back)) ASSERT_EQ(v, sim::kUninitByte);
}

TEST(FuncMemset, FillsEveryElementInPlaceAndNothingElse) {
  using isa::Space;
  struct Case {
    const char* name;
    isa::TensorRef dst;
    float value;
    uint64_t code;  // value in dst's dtype
  };
  const Case cases[] = {
      {"f32 dense", tref(Space::Sbuf, DType::F32, 2, 5, 8, {{1, 33}}), -1.5f, 0xBFC00000},
      {"bf16 strided", tref(Space::Psum, DType::BF16, 0, 3, 2, {{4, 3}, {2, 5}}), 2.0f, 0x4000},
      {"i8 strided", tref(Space::Sbuf, DType::I8, 7, 2, 1, {{3, 11}}), -3.0f, 0xFD},
      {"u8 dense", tref(Space::Sbuf, DType::U8, 0, 4, 0, {{1, 70}}), 200.0f, 0xC8},
      {"hbm f32 rows", hbm_ref(DType::F32, 3, 100, 12, {{1, 20}}), 0.25f, 0x3E800000},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    SemMachine m;
    // A guard region of 400 bytes per partition (HBM: per 400-byte row) around the
    // operand, every byte 0x5A; afterwards exactly the operand's bytes have changed.
    auto guard = c.dst;
    guard.dtype = DType::U8;
    guard.offset = 0;
    guard.ndim = 1;
    guard.dims[0] = {1, 400};
    if (guard.space == Space::Hbm) guard.part_stride = 400;
    m.put(guard, std::vector<uint64_t>(guard.elems(), 0x5A));
    isa::Instr in;
    in.op = isa::Opcode::memset;
    in.t[0] = c.dst;
    in.imm0 = c.value;
    auto ctx = m.ctx();
    sim::sem_memset(in, ctx);
    EXPECT_EQ(m.get(c.dst), std::vector<uint64_t>(c.dst.elems(), c.code));
    std::vector<bool> inside(guard.elems(), false);
    const auto esz = dtype_size(c.dst.dtype);
    m.for_each_elem(c.dst, [&](uint8_t* ptr, uint64_t addr, uint64_t) {
      for (size_t b = 0; b < esz; ++b) {
        uint64_t part = 0, byte = 0;
        if (ptr) {
          auto& sp = c.dst.space == Space::Sbuf ? m.sbuf : m.psum;
          const uint64_t rel = uint64_t(ptr - sp.row(c.dst.part_start));
          part = rel / sp.pitch(), byte = rel % sp.pitch() + b;
        } else {
          part = (addr + b) / 400, byte = (addr + b) % 400;
        }
        inside[part * 400 + byte] = true;
      }
    });
    const auto after = m.get(guard);
    for (size_t i = 0; i < after.size(); ++i)
      if (!inside[i]) {
        ASSERT_EQ(after[i], 0x5Au) << "guard byte " << i;
      }
  }
}

TEST(FuncScratchpad, LazyFillKeepsUninitialisedContract) {
  sim::Scratchpad s(8, 64 * 1024, true);
  // prepare() of a prefix, a write, then a larger range: the written bytes survive and
  // everything else reads as 0xFF.
  s.prepare(2, 3, 100);
  s.data_row(3)[50] = 7;
  s.prepare(0, 8, 20000);
  for (uint32_t p = 0; p < 8; ++p)
    for (uint64_t i = 0; i < 20000; ++i)
      ASSERT_EQ(s.data_row(p)[i], p == 3 && i == 50 ? 7 : sim::kUninitByte) << p << " " << i;
  const uint8_t* r = s.row(5);
  for (uint64_t i = 0; i < s.bytes_per_partition(); ++i) ASSERT_EQ(r[i], sim::kUninitByte);
}

}  // namespace
}  // namespace npulab::test
