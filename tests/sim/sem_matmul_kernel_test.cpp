// The host matmul kernel: AVX2+FMA and scalar implementations are bit-identical (the
// defined k-ordered fma chain), fused rounding is really used, NaN is canonical, and the
// matmul instruction sees uninitialised PSUM as NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "sem_harness.h"
#include "sim/kernels_host/matmul_f32.h"

namespace npulab::test {
namespace {

using sim::host::MatmulImpl;
using sim::host::matmul_f32;

std::vector<float> random_floats(size_t n, std::mt19937& g) {
  // Wide exponent range so partial sums round a lot and any order change shows up.
  std::uniform_real_distribution<float> m(-1.0f, 1.0f);
  std::uniform_int_distribution<int> e(-12, 12);
  std::vector<float> v(n);
  for (auto& x : v) x = std::ldexp(m(g), e(g));
  return v;
}

TEST(SemMatmulKernel, Avx2AndScalarAreBitIdentical) {
  if (!sim::host::matmul_avx2_available()) GTEST_SKIP() << "CPU lacks AVX2+FMA";
  std::mt19937 g(7);
  struct Shape { int M, N, K; };
  for (Shape s : {Shape{128, 512, 128}, Shape{13, 40, 7}, Shape{1, 1, 1}, Shape{6, 16, 3},
                  Shape{7, 17, 129}, Shape{128, 33, 64}, Shape{5, 3, 0}}) {
    for (bool acc : {false, true}) {
      SCOPED_TRACE(testing::Message() << s.M << "x" << s.N << "x" << s.K << (acc ? " acc" : " start"));
      const size_t lda = s.M + 3, ldb = s.N + 5, ldc = s.N + 1;  // padded leading dims
      auto A = random_floats(std::max(1, s.K) * lda, g);
      auto B = random_floats(std::max(1, s.K) * ldb, g);
      auto C0 = random_floats(s.M * ldc, g);
      if (s.K > 2) A[lda + 1] = NAN;  // one NaN row of outputs
      auto C1 = C0;
      matmul_f32(A.data(), lda, B.data(), ldb, C0.data(), ldc, s.M, s.N, s.K, acc, MatmulImpl::Scalar);
      matmul_f32(A.data(), lda, B.data(), ldb, C1.data(), ldc, s.M, s.N, s.K, acc, MatmulImpl::Avx2);
      for (size_t i = 0; i < C0.size(); ++i)
        ASSERT_EQ(fbits(C0[i]), fbits(C1[i])) << "element " << i;
    }
  }
}

TEST(SemMatmulKernel, UsesFusedMultiplyAddInKOrder) {
  // k0: -(1 + 2^-11) * 1 (exact). k1: (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 (not representable).
  // fma keeps the 2^-24 through the cancellation; separate multiply-then-add gives 0.
  const float a0 = -(1.0f + std::ldexp(1.0f, -11)), a1 = 1.0f + std::ldexp(1.0f, -12);
  const float A[2] = {a0, a1};  // [K=2][M=1]
  const float B[2] = {1.0f, a1};  // [K=2][N=1]
  for (auto impl : {MatmulImpl::Scalar, MatmulImpl::Auto}) {
    float C = 123.0f;
    matmul_f32(A, 1, B, 1, &C, 1, 1, 1, 2, false, impl);
    EXPECT_EQ(C, std::ldexp(1.0f, -24));
    C = std::ldexp(1.0f, -24);
    matmul_f32(A, 1, B, 1, &C, 1, 1, 1, 2, true, impl);  // then one FP32 add onto PSUM
    EXPECT_EQ(C, std::ldexp(1.0f, -23));
  }
  // Order matters: with k reversed the first product would be rounded first.
  const float Ar[2] = {a1, a0}, Br[2] = {a1, 1.0f};
  float C = 0;
  matmul_f32(Ar, 1, Br, 1, &C, 1, 1, 1, 2, false, MatmulImpl::Scalar);
  EXPECT_EQ(C, 0.0f);  // round(a1*a1) = 1 + 2^-11 exactly cancels
}

TEST(SemMatmulKernel, NaNResultIsCanonical) {
  const float A[1] = {-NAN}, B[1] = {2.0f};
  for (auto impl : {MatmulImpl::Scalar, MatmulImpl::Auto}) {
    float C = 0;
    matmul_f32(A, 1, B, 1, &C, 1, 1, 1, 1, false, impl);
    EXPECT_EQ(fbits(C), 0x7FC00000u);
  }
}

TEST(SemMatmulKernel, AccumulateOntoUninitialisedPsumIsNaN) {
  SemMachine m;
  isa::Instr in;
  in.op = isa::Opcode::matmul;
  in.t[0] = tref(isa::Space::Psum, DType::F32, 0, 4, 0, {{1, 8}});
  in.t[1] = tref(isa::Space::Sbuf, DType::BF16, 0, 2, 0, {{1, 4}});
  in.t[2] = tref(isa::Space::Sbuf, DType::BF16, 0, 2, 64, {{1, 8}});
  m.put(in.t[1], std::vector<uint64_t>(8, 0x3F80));   // 1.0
  m.put(in.t[2], std::vector<uint64_t>(16, 0x4000));  // 2.0
  auto ctx = m.ctx();
  sim::sem_matmul(in, ctx);  // no F_START: PSUM was never written -> NaN shows up
  for (auto c : m.get(in.t[0])) EXPECT_TRUE(std::isnan(bitsf(uint32_t(c))));
  in.flags = isa::F_START;
  sim::sem_matmul(in, ctx);
  for (auto c : m.get(in.t[0])) EXPECT_EQ(bitsf(uint32_t(c)), 4.0f);
  in.flags = 0;
  sim::sem_matmul(in, ctx);
  for (auto c : m.get(in.t[0])) EXPECT_EQ(bitsf(uint32_t(c)), 8.0f);
}

}  // namespace
}  // namespace npulab::test
