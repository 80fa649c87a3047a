// common/checked.h: exact results where they fit, an Error naming the computation where
// they do not, saturation at the ends, and no undefined float-to-integer conversion.
#include "common/checked.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <string>

namespace npulab {
namespace {

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();

std::string error_of(auto&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Checked, ExactResultsAtTheEdges) {
  EXPECT_EQ(mul_exact<uint64_t>(uint64_t(1) << 32, (uint64_t(1) << 32) - 1), kU64Max - (uint64_t(1) << 32) + 1);
  EXPECT_FALSE(mul_exact<uint64_t>(uint64_t(1) << 32, uint64_t(1) << 32));
  EXPECT_EQ(add_exact<int64_t>(kI64Max - 1, 1), kI64Max);
  EXPECT_FALSE(add_exact<int64_t>(kI64Max, 1));
  EXPECT_FALSE(sub_exact<int64_t>(kI64Min, 1));
  // Mixed signedness is exact: a negative stride times an unsigned size.
  EXPECT_EQ(mul_exact<int64_t>(int32_t(-3), uint32_t(4'000'000'000u)), -12'000'000'000);
  EXPECT_FALSE(mul_exact<uint64_t>(int64_t(-1), uint64_t(1)));  // negative does not fit unsigned
  EXPECT_EQ(mul_exact<int32_t>(int64_t(1) << 15, int64_t(1) << 15), int32_t(1) << 30);
  EXPECT_FALSE(mul_exact<int32_t>(int64_t(1) << 16, int64_t(1) << 15));
}

TEST(Checked, ThrowsNamingTheComputation) {
  EXPECT_EQ(checked_mul<uint64_t>(uint64_t(6), uint64_t(7), "x"), 42u);
  const std::string msg = error_of([] { checked_mul<uint64_t>(kU64Max, uint64_t(2), "tensor 'w' bytes"); });
  EXPECT_NE(msg.find("tensor 'w' bytes: 18446744073709551615 * 2 does not fit an unsigned 64-bit integer"),
            std::string::npos) << msg;
  EXPECT_NE(error_of([] { checked_add<int64_t>(kI64Max, 1, "r3"); }).find("r3: 9223372036854775807 + 1 does not fit a signed 64-bit"),
            std::string::npos);
  EXPECT_NE(error_of([] { checked_sub<uint32_t>(0u, 1u, "n"); }).find("0 - 1 does not fit an unsigned 32-bit"),
            std::string::npos);
}

TEST(Checked, ProductOfAShape) {
  const std::array<uint64_t, 3> ok{2, 3, 4};
  EXPECT_EQ(checked_product(std::span<const uint64_t>(ok), 4, "t"), 96u);
  // The examples: [2^32, 2^32, 2^32] and [2^62 + 1] f32 (which wrapped to 4 bytes).
  const std::array<uint64_t, 3> cube{uint64_t(1) << 32, uint64_t(1) << 32, uint64_t(1) << 32};
  EXPECT_FALSE(product_exact(std::span<const uint64_t>(cube)));
  const std::array<uint64_t, 1> wraps{(uint64_t(1) << 62) + 1};
  EXPECT_FALSE(product_exact(std::span<const uint64_t>(wraps), 4));
  const std::string msg = error_of([&] { checked_product(std::span<const uint64_t>(wraps), 4, "tensor 'x'"); });
  EXPECT_NE(msg.find("tensor 'x': [4611686018427387905] x 4 does not fit"), std::string::npos) << msg;
  EXPECT_EQ(product_exact(std::span<const uint64_t>{}, 2), 2u);  // a scalar
  const std::array<uint64_t, 2> zero{0, kU64Max};
  EXPECT_EQ(product_exact(std::span<const uint64_t>(zero), 4), 0u);
}

TEST(Checked, SaturatingArithmetic) {
  EXPECT_EQ(sat_add<int64_t>(kI64Max, 1), kI64Max);
  EXPECT_EQ(sat_add<int64_t>(kI64Min, -1), kI64Min);
  EXPECT_EQ(sat_add<int64_t>(5, -7), -2);
  EXPECT_EQ(sat_add<uint64_t>(kU64Max, 1), kU64Max);
  EXPECT_EQ(sat_mul<int64_t>(kI64Max, -2), kI64Min);
  EXPECT_EQ(sat_mul<int64_t>(-kI64Max, -2), kI64Max);
  EXPECT_EQ(sat_mul<uint64_t>(uint64_t(1) << 40, uint64_t(1) << 40), kU64Max);
}

TEST(Checked, SaturatingRoundNeverWraps) {
  // A DMA latency of 1e20 or 1e300 ns used to convert to a negative or tiny integer time.
  EXPECT_EQ(saturating_round<int64_t>(1e20 * 1000.0), kI64Max);
  EXPECT_EQ(saturating_round<int64_t>(1e300), kI64Max);
  EXPECT_EQ(saturating_round<int64_t>(std::numeric_limits<double>::infinity()), kI64Max);
  EXPECT_EQ(saturating_round<int64_t>(-1e300), kI64Min);
  EXPECT_EQ(saturating_round<int64_t>(std::nan("")), kI64Max);
  EXPECT_EQ(saturating_round<int64_t>(std::ldexp(1.0, 63)), kI64Max);  // 2^63 itself
  EXPECT_EQ(saturating_round<int64_t>(std::ldexp(1.0, 62)), int64_t(1) << 62);
  EXPECT_EQ(saturating_round<int64_t>(2.5), 3);
  EXPECT_EQ(saturating_round<int64_t>(-2.5), -3);
  EXPECT_EQ(saturating_round<uint32_t>(-1.0), 0u);
  EXPECT_EQ(saturating_round<uint32_t>(5e9), std::numeric_limits<uint32_t>::max());
}

}  // namespace
}  // namespace npulab
