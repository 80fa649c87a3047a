// GEMM kernel: values against fixtures from tests/kernels/fixtures/gen.py (numpy, inputs
// rounded to the dtype, float64 math), zero races, and timing sanity in timing-only mode.
#include <gtest/gtest.h>

#include <cmath>

#include "arch/chip.h"
#include "common/error.h"
#include "kernels/gemm.h"
#include "kernels/host_io.h"
#include "test_util.h"

namespace npulab::kernels {
namespace {

using test::trn2;

struct GemmCase {
  const char* fixture;  // gemm_<name>_{a,b,c}.txt
  DType in, out;
  ALayout layout;
};

isa::Executable build_gemm(uint64_t M, uint64_t N, uint64_t K, DType in, DType out, ALayout lay,
                           GemmOptions o = {}) {
  Builder b(trn2(), "gemm");
  auto A = lay == ALayout::MK ? b.input("A", in, {M, K}) : b.input("A", in, {K, M});
  auto B = b.input("B", in, {K, N});
  auto C = b.output("C", out, {M, N});
  o.a_layout = lay;
  gemm(b, A, B, C, o);
  return b.finish();
}

class GemmFixture : public ::testing::TestWithParam<GemmCase> {};

TEST_P(GemmFixture, MatchesNumpyReference) {
  const GemmCase& c = GetParam();
  std::vector<uint64_t> sa, sb, sc;
  // A as [M, K]; values are exact in the input dtype (gen.py), rounding is a no-op guard.
  auto a = rounded(c.in, test::load_fixture(std::string("gemm_") + c.fixture + "_a.txt", &sa));
  auto bm = rounded(c.in, test::load_fixture(std::string("gemm_") + c.fixture + "_b.txt", &sb));
  auto want = test::load_fixture(std::string("gemm_") + c.fixture + "_c.txt", &sc);
  const uint64_t M = sa[0], K = sa[1], N = sb[1];
  std::vector<float> a_in = a;
  if (c.layout == ALayout::KM) {  // store A^T
    a_in.assign(a.size(), 0);
    for (uint64_t m = 0; m < M; ++m)
      for (uint64_t k = 0; k < K; ++k) a_in[k * M + m] = a[m * K + k];
  }
  auto exe = build_gemm(M, N, K, c.in, c.out, c.layout);
  auto r = test::run(exe, {{"A", a_in}, {"B", bm}});
  EXPECT_TRUE(r.result.races.empty()) << r.result.races.front().message;
  // FP32 accumulation of K products (any order) then rounding to the output dtype:
  // |err| <= K * 2^-24 * sum_k |a||b| + half an output ulp (a bound, not a reference).
  std::vector<double> sumabs(M * N, 0.0);
  for (uint64_t m = 0; m < M; ++m)
    for (uint64_t k = 0; k < K; ++k)
      for (uint64_t n = 0; n < N; ++n) sumabs[m * N + n] += std::fabs(double(a[m * K + k]) * bm[k * N + n]);
  const double out_eps = c.out == DType::BF16 ? std::ldexp(1.0, -8) : std::ldexp(1.0, -23);
  const auto& got = r.outputs["C"];
  ASSERT_EQ(got.size(), want.size());
  size_t bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double tol = double(K) * std::ldexp(1.0, -24) * sumabs[i] + out_eps * std::fabs(want[i]) + 1e-30;
    if (!(std::fabs(double(got[i]) - want[i]) <= tol)) {
      if (bad++ < 5) ADD_FAILURE() << "C[" << i / N << "," << i % N << "] got " << got[i] << " want " << want[i];
    }
  }
  EXPECT_EQ(bad, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, GemmFixture,
    ::testing::Values(GemmCase{"e4m3_200x300x130", DType::F32, DType::F32, ALayout::MK},
                      GemmCase{"e4m3_200x300x130", DType::F32, DType::F32, ALayout::KM},
                      GemmCase{"e4m3_200x300x130", DType::BF16, DType::F32, ALayout::MK},
                      GemmCase{"e4m3_200x300x130", DType::BF16, DType::BF16, ALayout::KM},
                      GemmCase{"e4m3_200x300x130", DType::F8E4M3, DType::F32, ALayout::MK},
                      GemmCase{"e4m3_200x300x130", DType::F8E4M3, DType::BF16, ALayout::KM},
                      GemmCase{"bf16_130x520x136", DType::BF16, DType::F32, ALayout::MK},
                      GemmCase{"e4m3_1x7x1", DType::F32, DType::F32, ALayout::MK}),
    [](const auto& info) {
      return std::string(info.param.fixture) + "_" + std::string(dtype_name(info.param.in)) + "_" +
             std::string(dtype_name(info.param.out)) +
             (info.param.layout == ALayout::MK ? "_mk" : "_km");
    });

double timing_ns(uint64_t M, uint64_t N, uint64_t K, DType in, GemmOptions o = {}) {
  return test::run_timing(build_gemm(M, N, K, in, DType::BF16, ALayout::MK, o)).total_ns;
}

TEST(GemmTiming, BiggerIsSlower) {
  EXPECT_LT(timing_ns(256, 512, 256, DType::BF16), timing_ns(512, 1024, 512, DType::BF16));
  EXPECT_LT(timing_ns(512, 1024, 512, DType::BF16), timing_ns(512, 1024, 1024, DType::BF16));
}

TEST(GemmTiming, Fp32SlowerThanBf16) {
  EXPECT_GT(timing_ns(1024, 1024, 1024, DType::F32), 2.0 * timing_ns(1024, 1024, 1024, DType::BF16));
}

TEST(GemmTiming, LargeBf16ReachesSaneFractionOfPeak) {
  const uint64_t n = 2048;
  auto exe = build_gemm(n, n, n, DType::BF16, DType::BF16, ALayout::MK);
  auto r = test::run_timing(exe);
  const double peak = arch::derive_peaks(trn2()).tensor_tflops_bf16_core;
  const double frac = r.achieved_tflops() / peak;
  EXPECT_NEAR(r.flops, 2.0 * n * n * n, 1.0);
  EXPECT_GT(frac, 0.70) << r.achieved_tflops() << " TFLOPS of " << peak;
  EXPECT_LE(frac, 1.0);
}

TEST(GemmPlan, FitsSbufAndPsumAndRejectsAnImpossibleK) {
  for (DType t : {DType::F32, DType::BF16, DType::F8E4M3}) {
    Builder b(trn2(), "plan");
    auto p = gemm(b, b.input("A", t, {4096, 8192}), b.input("B", t, {8192, 4096}), b.output("C", DType::BF16, {4096, 4096}));
    EXPECT_LE(p.m_tiles * p.n_tiles, trn2().psum.banks);
    EXPECT_LE(p.sbuf_bytes_per_partition, trn2().sbuf.bytes_per_partition);
    EXPECT_LE(b.sbuf_bytes_in_use(), trn2().sbuf.bytes_per_partition);
  }
  Builder b(trn2(), "too_big");
  try {
    gemm(b, b.input("A", DType::F32, {128, 100000}), b.input("B", DType::F32, {100000, 128}),
         b.output("C", DType::F32, {128, 128}));
    FAIL() << "expected an error for K = 100000 in fp32";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("K=100000"), std::string::npos) << e.what();
  }
}

TEST(GemmPlan, ShapeMismatchIsAnError) {
  Builder b(trn2(), "mismatch");
  EXPECT_THROW(gemm(b, b.input("A", DType::BF16, {64, 32}), b.input("B", DType::BF16, {33, 16}),
                    b.output("C", DType::F32, {64, 16})),
               Error);
}

}  // namespace
}  // namespace npulab::kernels
