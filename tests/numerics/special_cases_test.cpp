// Hand-derived edge cases of each format (values worked out from the format definitions,
// independent of both the code and the fixture generator).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "numerics/dtype.h"

namespace npulab {
namespace {

float p2(int e) { return std::ldexp(1.0f, e); }
float up(float x) { return std::nextafter(x, INFINITY); }
float down(float x) { return std::nextafter(x, -INFINITY); }

TEST(Special, Bf16) {
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(f32_to_bf16(1.0f + p2(-8)), 0x3F80);        // tie, even stays
  EXPECT_EQ(f32_to_bf16(1.0f + 3 * p2(-8)), 0x3F82);    // tie, odd rounds up to even
  EXPECT_EQ(f32_to_bf16(up(1.0f + p2(-8))), 0x3F81);    // just above a tie
  EXPECT_EQ(f32_to_bf16(-0.0f), 0x8000);
  EXPECT_EQ(f32_to_bf16(INFINITY), 0x7F80);
  EXPECT_EQ(f32_to_bf16(std::numeric_limits<float>::max()), 0x7F80);  // overflow -> inf (IEEE)
  EXPECT_EQ(f32_to_bf16(p2(-133)), 0x0001);                          // smallest subnormal
  EXPECT_EQ(f32_to_bf16(p2(-134)), 0x0000);                          // half of it: tie to 0
  EXPECT_EQ(f32_to_bf16(up(p2(-134))), 0x0001);
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(std::nanf("")))));
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x7F800001u)) & 0x7FC0, 0x7FC0);  // sNaN quietened
}

TEST(Special, F16) {
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7BFF);
  EXPECT_EQ(f32_to_f16(down(65520.0f)), 0x7BFF);  // below the max/overflow midpoint
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7C00);        // tie with "65536" rounds to even = inf
  EXPECT_EQ(f32_to_f16(-INFINITY), 0xFC00);
  EXPECT_EQ(f32_to_f16(p2(-24)), 0x0001);
  EXPECT_EQ(f32_to_f16(p2(-25)), 0x0000);
  EXPECT_EQ(f32_to_f16(-p2(-25)), 0x8000);
  EXPECT_EQ(f32_to_f16(up(p2(-25))), 0x0001);
  EXPECT_EQ(f32_to_f16(3 * p2(-25)), 0x0002);     // 1.5 * min: tie to even code 2
  EXPECT_EQ(f32_to_f16(p2(-14) - p2(-25)), 0x0400);  // rounds up across into the min normal
  EXPECT_EQ(f32_to_f16(2049.0f), 0x6800);          // 2048 + half ulp: tie to even
  EXPECT_EQ(f32_to_f16(2051.0f), 0x6802);
  EXPECT_EQ(f16_to_f32(0x3C00), 1.0f);
  EXPECT_EQ(f16_to_f32(0x0001), p2(-24));
}

TEST(Special, F8E4M3Saturates) {
  EXPECT_EQ(f32_to_f8e4m3(448.0f), 0x7E);
  EXPECT_EQ(f32_to_f8e4m3(464.0f), 0x7E);  // would be a tie with 480 in an unbounded format
  EXPECT_EQ(f32_to_f8e4m3(1e9f), 0x7E);
  EXPECT_EQ(f32_to_f8e4m3(INFINITY), 0x7E);
  EXPECT_EQ(f32_to_f8e4m3(-INFINITY), 0xFE);
  EXPECT_EQ(f32_to_f8e4m3(std::nanf("")), 0x7F);
  EXPECT_EQ(f32_to_f8e4m3(-std::nanf("")), 0xFF);
  EXPECT_EQ(f32_to_f8e4m3(p2(-9)), 0x01);
  EXPECT_EQ(f32_to_f8e4m3(p2(-10)), 0x00);           // half the min subnormal: tie to 0
  EXPECT_EQ(f32_to_f8e4m3(up(p2(-10))), 0x01);
  EXPECT_EQ(f32_to_f8e4m3(3 * p2(-10)), 0x02);       // 1.5 * min subnormal: tie to 2
  EXPECT_EQ(f32_to_f8e4m3(1.0625f), 0x38);           // 1 + half ulp: tie to even
  EXPECT_EQ(f32_to_f8e4m3(1.1875f), 0x3A);           // 1.125 + half ulp: tie to even (1.25)
  EXPECT_EQ(f32_to_f8e4m3(-0.0f), 0x80);
  EXPECT_EQ(f32_to_f8e4m3(240.0f), 0x77);
  EXPECT_EQ(f32_to_f8e4m3(248.0f), 0x78);            // tie between 240 and 256 -> even (256)
}

TEST(Special, F8E5M2) {
  EXPECT_EQ(f32_to_f8e5m2(57344.0f), 0x7B);
  EXPECT_EQ(f32_to_f8e5m2(61440.0f), 0x7B);  // finite overflow saturates
  EXPECT_EQ(f32_to_f8e5m2(-1e30f), 0xFB);
  EXPECT_EQ(f32_to_f8e5m2(INFINITY), 0x7C);  // inf stays inf
  EXPECT_EQ(f32_to_f8e5m2(-INFINITY), 0xFC);
  EXPECT_TRUE(std::isnan(f8e5m2_to_f32(f32_to_f8e5m2(std::nanf("")))));
  EXPECT_EQ(f32_to_f8e5m2(p2(-16)), 0x01);
  EXPECT_EQ(f32_to_f8e5m2(p2(-17)), 0x00);
  EXPECT_EQ(f32_to_f8e5m2(down(p2(-14))), 0x04);  // rounds up into the min normal
  EXPECT_EQ(f32_to_f8e5m2(1.125f), 0x3C);         // tie to even (1.0)
  EXPECT_EQ(f32_to_f8e5m2(1.375f), 0x3E);         // tie to even (1.5)
}

TEST(Special, Integers) {
  EXPECT_EQ(f32_to_i32(2.5f), 2);
  EXPECT_EQ(f32_to_i32(3.5f), 4);
  EXPECT_EQ(f32_to_i32(-2.5f), -2);
  EXPECT_EQ(f32_to_i32(std::nanf("")), 0);
  EXPECT_EQ(f32_to_i32(2147483648.0f), INT32_MAX);
  EXPECT_EQ(f32_to_i32(-2147483648.0f), INT32_MIN);
  EXPECT_EQ(f32_to_i32(-INFINITY), INT32_MIN);
  EXPECT_EQ(f32_to_i8(127.5f), 127);
  EXPECT_EQ(f32_to_i8(-128.5f), -128);
  EXPECT_EQ(f32_to_i8(-1000.0f), -128);
  EXPECT_EQ(f32_to_i8(std::nanf("")), 0);
  EXPECT_EQ(f32_to_u8(-0.6f), 0);
  EXPECT_EQ(f32_to_u8(254.5f), 254);
  EXPECT_EQ(f32_to_u8(255.5f), 255);
  EXPECT_EQ(f32_to_u8(INFINITY), 255);
}

TEST(DTypeNames, RoundTrip) {
  for (int i = 0; i < static_cast<int>(DType::kCount); ++i) {
    const auto t = static_cast<DType>(i);
    EXPECT_EQ(parse_dtype(dtype_name(t)), t);
  }
  EXPECT_EQ(dtype_name(DType::F8E4M3), "f8e4m3");
  EXPECT_FALSE(parse_dtype("fp33").has_value());
  EXPECT_FALSE(parse_dtype("").has_value());
}

TEST(LoadStore, EveryDtype) {
  unsigned char buf[64] = {};
  const float vals[] = {1.5f, -3.0f, 0.25f, 100.0f};
  for (int i = 0; i < static_cast<int>(DType::kCount); ++i) {
    const auto t = static_cast<DType>(i);
    for (size_t k = 0; k < 4; ++k) store_from_f32(t, vals[k], buf, k);
    for (size_t k = 0; k < 4; ++k)
      EXPECT_EQ(load_as_f32(t, buf, k), round_to(t, vals[k])) << dtype_name(t) << " element " << k;
  }
}

}  // namespace
}  // namespace npulab
