// FP32 -> every format against the python references (specials, all FP8 ties and a sample
// of 16-bit ties with their float32 neighbours, edges, random values), through the scalar
// functions, the bulk conversion and round_to.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "fixture_io.h"
#include "numerics/convert_kernels.h"
#include "numerics/dtype.h"

namespace npulab {
namespace {
using test::bits;

template <typename Code>
void check_encode(DType t, const char* fmt, Code (*encode)(float), float (*decode)(Code)) {
  const auto cases = test::read_encode_fixture(fmt);
  std::vector<float> in;
  for (const auto& c : cases) in.push_back(c.in);
  std::vector<Code> fast(in.size()), slow(in.size());
  convert_from_f32(t, in.data(), fast.data(), in.size());
  numerics_detail::convert_from_f32_scalar(t, in.data(), slow.data(), in.size());
  size_t ties_checked = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const float x = cases[i].in;
    const Code got = encode(x);
    if (std::isnan(x)) {  // references canonicalise NaN differently: only NaN-ness is specified
      EXPECT_TRUE(std::isnan(decode(got))) << fmt << " NaN input " << std::hex << bits(x);
      EXPECT_EQ(std::signbit(decode(got)), std::signbit(x)) << fmt << " NaN sign " << std::hex << bits(x);
    } else {
      EXPECT_EQ(got, static_cast<Code>(cases[i].expected))
          << fmt << " input " << x << " (0x" << std::hex << bits(x) << ")";
      const float rt = round_to(t, x);
      EXPECT_EQ(bits(rt), bits(decode(static_cast<Code>(cases[i].expected)))) << fmt << " round_to " << x;
      ties_checked += x != std::trunc(x);
    }
    EXPECT_EQ(fast[i], got) << fmt << " bulk fast, input 0x" << std::hex << bits(x);
    EXPECT_EQ(slow[i], got) << fmt << " bulk scalar, input 0x" << std::hex << bits(x);
  }
  EXPECT_GT(ties_checked, 100u);
}

TEST(Encode, Bf16Reference) { check_encode<uint16_t>(DType::BF16, "bf16", f32_to_bf16, bf16_to_f32); }
TEST(Encode, F16Reference) { check_encode<uint16_t>(DType::F16, "f16", f32_to_f16, f16_to_f32); }
TEST(Encode, F8E4M3Reference) { check_encode<uint8_t>(DType::F8E4M3, "f8e4m3", f32_to_f8e4m3, f8e4m3_to_f32); }
TEST(Encode, F8E5M2Reference) { check_encode<uint8_t>(DType::F8E5M2, "f8e5m2", f32_to_f8e5m2, f8e5m2_to_f32); }

template <typename T>
void check_int(DType t, const char* fmt, T (*conv)(float)) {
  const auto cases = test::read_encode_fixture(fmt);
  std::vector<float> in;
  for (const auto& c : cases) in.push_back(c.in);
  std::vector<T> fast(in.size()), slow(in.size());
  convert_from_f32(t, in.data(), fast.data(), in.size());
  numerics_detail::convert_from_f32_scalar(t, in.data(), slow.data(), in.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto want = static_cast<T>(static_cast<int32_t>(cases[i].expected));
    EXPECT_EQ(conv(cases[i].in), want) << fmt << " input " << cases[i].in << " (0x" << std::hex << bits(cases[i].in) << ")";
    EXPECT_EQ(fast[i], want) << fmt << " bulk fast, input " << cases[i].in;
    EXPECT_EQ(slow[i], want) << fmt << " bulk scalar, input " << cases[i].in;
    EXPECT_EQ(round_to(t, cases[i].in), static_cast<float>(want)) << fmt << " round_to " << cases[i].in;
  }
}

TEST(Encode, I32Reference) { check_int<int32_t>(DType::I32, "i32", f32_to_i32); }
TEST(Encode, I8Reference) { check_int<int8_t>(DType::I8, "i8", f32_to_i8); }
TEST(Encode, U8Reference) { check_int<uint8_t>(DType::U8, "u8", f32_to_u8); }

}  // namespace
}  // namespace npulab
