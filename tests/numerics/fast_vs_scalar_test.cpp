// The AVX2 kernels must give the same bits as the portable scalar loops, on random data that
// includes NaN payloads (quiet and signalling, both signs), infinities, subnormals and values
// around every format's range, at lengths and offsets that exercise the scalar tails.
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <random>
#include <vector>

#include "numerics/convert_kernels.h"
#include "numerics/dtype.h"

namespace npulab {
namespace {

std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    uint32_t b = rng();
    switch (i % 4) {
      case 0: break;  // any bit pattern: NaN payloads, inf, subnormals
      case 1: b = (b & 0x807FFFFFu) | ((100u + (b >> 24) % 60u) << 23); break;  // 2^-27 .. 2^32
      case 2: b = (b & 0x807FFFFFu) | 0x7F800000u; break;                      // inf / NaNs
      case 3: b &= 0x80FFFFFFu; break;                                           // tiny
    }
    std::memcpy(&v[i], &b, 4);
  }
  return v;
}

class FastVsScalar : public ::testing::TestWithParam<DType> {};

TEST_P(FastVsScalar, FromF32) {
  if (!numerics_detail::avx2_available()) GTEST_SKIP() << "CPU has no AVX2/F16C";
  const DType t = GetParam();
  const auto src = random_floats(4099, 7 + static_cast<uint32_t>(t));
  for (size_t off : {0, 1, 3}) {
    const size_t n = src.size() - off;
    std::vector<unsigned char> a(n * dtype_size(t) + 1), b(a.size());
    ASSERT_TRUE(numerics_detail::convert_from_f32_avx2(t, src.data() + off, a.data() + 1, n));
    numerics_detail::convert_from_f32_scalar(t, src.data() + off, b.data() + 1, n);
    for (size_t i = 0; i < n; ++i)
      ASSERT_EQ(std::memcmp(&a[1 + i * dtype_size(t)], &b[1 + i * dtype_size(t)], dtype_size(t)), 0)
          << dtype_name(t) << " element " << i << " input 0x" << std::hex
          << std::bit_cast<uint32_t>(src[off + i]);
  }
}

TEST_P(FastVsScalar, ToF32) {
  if (!numerics_detail::avx2_available()) GTEST_SKIP() << "CPU has no AVX2/F16C";
  const DType t = GetParam();
  std::mt19937 rng(99 + static_cast<uint32_t>(t));
  std::vector<unsigned char> src(4099 * 4 + 1);
  for (auto& c : src) c = static_cast<unsigned char>(rng());
  for (size_t off : {0, 1}) {
    const size_t n = (src.size() - 1) / dtype_size(t) - off;
    std::vector<float> a(n), b(n);
    ASSERT_TRUE(numerics_detail::convert_to_f32_avx2(t, src.data() + 1 + off * dtype_size(t), a.data(), n));
    numerics_detail::convert_to_f32_scalar(t, src.data() + 1 + off * dtype_size(t), b.data(), n);
    for (size_t i = 0; i < n; ++i)
      ASSERT_EQ(std::bit_cast<uint32_t>(a[i]), std::bit_cast<uint32_t>(b[i])) << dtype_name(t) << " element " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(AllNarrow, FastVsScalar,
                         ::testing::Values(DType::BF16, DType::F16, DType::F8E4M3, DType::F8E5M2,
                                           DType::I32, DType::I8, DType::U8),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

TEST(FastVsScalar, SmallLengths) {  // n < 8: only the tail loop; n = 0 must be a no-op
  const auto src = random_floats(16, 3);
  for (size_t n = 0; n < 16; ++n) {
    uint16_t a[16] = {}, b[16] = {};
    convert_from_f32(DType::BF16, src.data(), a, n);
    numerics_detail::convert_from_f32_scalar(DType::BF16, src.data(), b, n);
    EXPECT_EQ(std::memcmp(a, b, sizeof a), 0) << n;
  }
}

}  // namespace
}  // namespace npulab
