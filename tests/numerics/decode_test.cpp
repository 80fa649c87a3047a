// Exhaustive decode of every BF16 / F16 / FP8 code against the python references.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "fixture_io.h"
#include "numerics/convert_kernels.h"
#include "numerics/dtype.h"

namespace npulab {
namespace {
using test::bits;

// Checks scalar decode, the bulk scalar loop and (when available) the AVX2 kernel.
template <typename Code>
void check_decode(DType t, const char* fixture, float (*decode)(Code)) {
  const auto expected = test::read_u32_fixture(fixture);
  const size_t n = size_t{1} << (8 * sizeof(Code));
  ASSERT_EQ(expected.size(), n);
  std::vector<Code> codes(n);
  for (size_t c = 0; c < n; ++c) codes[c] = static_cast<Code>(c);
  std::vector<float> bulk_scalar(n), bulk_fast(n);
  numerics_detail::convert_to_f32_scalar(t, codes.data(), bulk_scalar.data(), n);
  convert_to_f32(t, codes.data(), bulk_fast.data(), n);
  size_t nans = 0;
  for (size_t c = 0; c < n; ++c) {
    const float want = std::bit_cast<float>(expected[c]);
    const float got = decode(static_cast<Code>(c));
    if (std::isnan(want)) {
      ++nans;
      EXPECT_TRUE(std::isnan(got)) << dtype_name(t) << " code " << c;
      EXPECT_EQ(std::signbit(got), c >> (8 * sizeof(Code) - 1) != 0) << dtype_name(t) << " NaN sign, code " << c;
    } else {
      EXPECT_EQ(bits(got), expected[c]) << dtype_name(t) << " code " << c << " want " << want << " got " << got;
    }
    EXPECT_EQ(bits(bulk_scalar[c]), bits(got)) << "bulk scalar, code " << c;
    EXPECT_EQ(bits(bulk_fast[c]), bits(got)) << "bulk fast, code " << c;
  }
  EXPECT_GT(nans, 0u);
}

TEST(Decode, Bf16AllCodes) { check_decode<uint16_t>(DType::BF16, "decode_bf16.bin", bf16_to_f32); }
TEST(Decode, F16AllCodes) { check_decode<uint16_t>(DType::F16, "decode_f16.bin", f16_to_f32); }
TEST(Decode, F8E4M3AllCodes) { check_decode<uint8_t>(DType::F8E4M3, "decode_f8e4m3.bin", f8e4m3_to_f32); }
TEST(Decode, F8E5M2AllCodes) { check_decode<uint8_t>(DType::F8E5M2, "decode_f8e5m2.bin", f8e5m2_to_f32); }

TEST(Decode, Fp8Conventions) {
  EXPECT_EQ(f8e4m3_to_f32(0x7E), 448.0f);
  EXPECT_EQ(f8e4m3_to_f32(0x78), 256.0f);  // E4M3FN: exponent 1111 is finite except .111
  EXPECT_TRUE(std::isnan(f8e4m3_to_f32(0x7F)));
  EXPECT_TRUE(std::isnan(f8e4m3_to_f32(0xFF)));
  EXPECT_EQ(f8e4m3_to_f32(0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(f8e5m2_to_f32(0x7B), 57344.0f);
  EXPECT_EQ(f8e5m2_to_f32(0x7C), INFINITY);
  EXPECT_EQ(f8e5m2_to_f32(0xFC), -INFINITY);
  EXPECT_TRUE(std::isnan(f8e5m2_to_f32(0x7D)));
  EXPECT_EQ(f8e5m2_to_f32(0x01), std::ldexp(1.0f, -16));
  EXPECT_EQ(bits(f8e5m2_to_f32(0x80)), 0x80000000u);
}

}  // namespace
}  // namespace npulab
