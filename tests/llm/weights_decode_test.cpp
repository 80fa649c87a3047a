// Checkpoint tensors decode to FP32 through the numerics library: BF16 and F16 widening is
// exact (normals, subnormals, signed zeros, infinities) and NaN stays NaN (signalling NaNs
// come back quiet, as F16C does); Q8_0 rows are scale * q with an F16 scale. Expected
// values are written from the formats' definitions, not by running the decoder.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "llm/weights.h"

namespace npulab::llm {
namespace {

std::vector<float> decode(WDType t, const std::vector<uint16_t>& bits) {
  TensorView v;
  v.dtype = t;
  v.shape = {int64_t(bits.size())};
  v.data = reinterpret_cast<const std::byte*>(bits.data());
  v.nbytes = int64_t(bits.size() * 2);
  return v.to_f32();
}

TEST(WeightsDecode, Bf16IsExactAndKeepsNaN) {
  auto f = decode(WDType::BF16, {0x3f80, 0xc040, 0x0001, 0x8000, 0x7f80, 0xff80, 0x7fc1, 0x7f81});
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[1], -3.0f);
  EXPECT_EQ(f[2], std::ldexp(1.0f, -133));  // smallest BF16 subnormal
  EXPECT_TRUE(f[3] == 0.0f && std::signbit(f[3]));
  EXPECT_EQ(f[4], std::numeric_limits<float>::infinity());
  EXPECT_EQ(f[5], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(f[6]));
  EXPECT_TRUE(std::isnan(f[7]));  // signalling NaN: still NaN
}

TEST(WeightsDecode, F16IsExactAndKeepsNaN) {
  auto f = decode(WDType::F16, {0x3c00, 0xc200, 0x0001, 0x03ff, 0x7bff, 0x8000, 0x7c00, 0x7e00, 0x7c01});
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[1], -3.0f);
  EXPECT_EQ(f[2], std::ldexp(1.0f, -24));  // smallest F16 subnormal
  EXPECT_EQ(f[3], std::ldexp(1023.0f, -24));  // largest F16 subnormal
  EXPECT_EQ(f[4], 65504.0f);
  EXPECT_TRUE(f[5] == 0.0f && std::signbit(f[5]));
  EXPECT_EQ(f[6], std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(f[7]));
  EXPECT_TRUE(std::isnan(f[8]));
}

TEST(WeightsDecode, Q8_0IsScaleTimesQuant) {
  std::vector<std::byte> blk(kQ8BlockBytes);
  const uint16_t half = 0x3800;  // F16 0.5
  std::memcpy(blk.data(), &half, 2);
  for (int i = 0; i < kQ8BlockSize; ++i) blk[size_t(2 + i)] = std::byte(uint8_t(int8_t(i - 16)));
  TensorView v;
  v.dtype = WDType::Q8_0;
  v.shape = {kQ8BlockSize};
  v.data = blk.data();
  v.nbytes = int64_t(blk.size());
  auto f = v.to_f32();
  for (int i = 0; i < kQ8BlockSize; ++i) EXPECT_EQ(f[size_t(i)], 0.5f * float(i - 16)) << i;
}

}  // namespace
}  // namespace npulab::llm
