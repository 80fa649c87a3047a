// Scalar element conversions of dtype.h and the portable bulk loops.
#include <array>
#include <bit>
#include <cmath>
#include <cstring>

#include "common/error.h"
#include "numerics/convert_kernels.h"
#include "numerics/dtype.h"
#include "numerics/minifloat.h"

namespace npulab {
using numerics_detail::decode_minifloat;
using numerics_detail::encode_minifloat;
using numerics_detail::kE4M3;
using numerics_detail::kE5M2;
using numerics_detail::kF16;

uint16_t f32_to_bf16(float x) {
  const uint32_t b = std::bit_cast<uint32_t>(x);
  if ((b & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((b >> 16) | 0x0040u);  // quiet NaN
  // RNE on the dropped 16 bits: adding 0x7FFF + lsb carries exactly when above half, or at half
  // with an odd kept part. Overflow of the largest finite values carries into +-inf, as IEEE says.
  return static_cast<uint16_t>((b + 0x7FFFu + ((b >> 16) & 1u)) >> 16);
}
uint16_t f32_to_f16(float x) { return static_cast<uint16_t>(encode_minifloat(kF16, x)); }
float f16_to_f32(uint16_t h) { return decode_minifloat(kF16, h); }
uint8_t f32_to_f8e4m3(float x) { return static_cast<uint8_t>(encode_minifloat(kE4M3, x)); }
float f8e4m3_to_f32(uint8_t b) { return numerics_detail::f8e4m3_table()[b]; }
uint8_t f32_to_f8e5m2(float x) { return static_cast<uint8_t>(encode_minifloat(kE5M2, x)); }
float f8e5m2_to_f32(uint8_t b) { return numerics_detail::f8e5m2_table()[b]; }

int32_t f32_to_i32(float x) {
  if (std::isnan(x)) return 0;
  if (x >= 2147483648.0f) return INT32_MAX;
  if (x < -2147483648.0f) return INT32_MIN;
  // In range: the default FP environment rounds to nearest even.
  return static_cast<int32_t>(std::nearbyint(x));
}
int8_t f32_to_i8(float x) {
  const int32_t v = f32_to_i32(x);
  return static_cast<int8_t>(v < -128 ? -128 : v > 127 ? 127 : v);
}
uint8_t f32_to_u8(float x) {
  const int32_t v = f32_to_i32(x);
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

namespace numerics_detail {

namespace {
std::array<float, 256> make_table(const MiniFloat& f) {
  std::array<float, 256> t{};
  for (uint32_t c = 0; c < 256; ++c) t[c] = decode_minifloat(f, c);
  return t;
}
}  // namespace

const float* f8e4m3_table() {
  static const std::array<float, 256> t = make_table(kE4M3);
  return t.data();
}
const float* f8e5m2_table() {
  static const std::array<float, 256> t = make_table(kE5M2);
  return t.data();
}

// Loops over element conversions; memcpy keeps unaligned buffers well-defined.
template <typename T, typename F>
static void to_f32_loop(const void* src, float* dst, size_t n, F conv) {
  const auto* p = static_cast<const unsigned char*>(src);
  for (size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, p + i * sizeof(T), sizeof(T));
    dst[i] = conv(v);
  }
}
template <typename T, typename F>
static void from_f32_loop(const float* src, void* dst, size_t n, F conv) {
  auto* p = static_cast<unsigned char*>(dst);
  for (size_t i = 0; i < n; ++i) {
    const T v = conv(src[i]);
    std::memcpy(p + i * sizeof(T), &v, sizeof(T));
  }
}

void convert_to_f32_scalar(DType t, const void* src, float* dst, size_t n) {
  switch (t) {
    case DType::F32: if (n) std::memmove(dst, src, n * 4); return;
    case DType::BF16: return to_f32_loop<uint16_t>(src, dst, n, bf16_to_f32);
    case DType::F16: return to_f32_loop<uint16_t>(src, dst, n, f16_to_f32);
    case DType::F8E4M3: {
      const float* tab = f8e4m3_table();
      return to_f32_loop<uint8_t>(src, dst, n, [tab](uint8_t c) { return tab[c]; });
    }
    case DType::F8E5M2: {
      const float* tab = f8e5m2_table();
      return to_f32_loop<uint8_t>(src, dst, n, [tab](uint8_t c) { return tab[c]; });
    }
    case DType::I32: return to_f32_loop<int32_t>(src, dst, n, [](int32_t v) { return static_cast<float>(v); });
    case DType::I8: return to_f32_loop<int8_t>(src, dst, n, [](int8_t v) { return static_cast<float>(v); });
    case DType::U8: return to_f32_loop<uint8_t>(src, dst, n, [](uint8_t v) { return static_cast<float>(v); });
    case DType::kCount: break;
  }
  fail("convert_to_f32: invalid source dtype {}", static_cast<int>(t));
}

void convert_from_f32_scalar(DType t, const float* src, void* dst, size_t n) {
  switch (t) {
    case DType::F32: if (n) std::memmove(dst, src, n * 4); return;
    case DType::BF16: return from_f32_loop<uint16_t>(src, dst, n, f32_to_bf16);
    case DType::F16: return from_f32_loop<uint16_t>(src, dst, n, f32_to_f16);
    case DType::F8E4M3: return from_f32_loop<uint8_t>(src, dst, n, f32_to_f8e4m3);
    case DType::F8E5M2: return from_f32_loop<uint8_t>(src, dst, n, f32_to_f8e5m2);
    case DType::I32: return from_f32_loop<int32_t>(src, dst, n, f32_to_i32);
    case DType::I8: return from_f32_loop<int8_t>(src, dst, n, f32_to_i8);
    case DType::U8: return from_f32_loop<uint8_t>(src, dst, n, f32_to_u8);
    case DType::kCount: break;
  }
  fail("convert_from_f32: invalid destination dtype {}", static_cast<int>(t));
}

}  // namespace numerics_detail
}  // namespace npulab
