// dtype names, element load/store, rounding and the dispatch of the bulk conversions.
#include "numerics/dtype.h"

#include <array>
#include <cstring>

#include "common/error.h"
#include "numerics/convert_kernels.h"

namespace npulab {

namespace {
constexpr std::array<std::string_view, static_cast<size_t>(DType::kCount)> kNames = {
    "f32", "bf16", "f16", "f8e4m3", "f8e5m2", "i32", "i8", "u8"};

// Decided once: the CPU does not change under us, and the hot path must not re-query it.
const bool kUseAvx2 = numerics_detail::avx2_available();
}  // namespace

std::string_view dtype_name(DType t) {
  const auto i = static_cast<size_t>(t);
  return i < kNames.size() ? kNames[i] : std::string_view("invalid");
}

std::optional<DType> parse_dtype(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<DType>(i);
  return std::nullopt;
}

float load_as_f32(DType t, const void* base, size_t i) {
  float out;
  numerics_detail::convert_to_f32_scalar(
      t, static_cast<const unsigned char*>(base) + i * dtype_size(t), &out, 1);
  return out;
}

void store_from_f32(DType t, float v, void* base, size_t i) {
  numerics_detail::convert_from_f32_scalar(t, &v, static_cast<unsigned char*>(base) + i * dtype_size(t),
                                           1);
}

float round_to(DType t, float x) {
  switch (t) {
    case DType::F32: return x;
    case DType::BF16: return bf16_to_f32(f32_to_bf16(x));
    case DType::F16: return f16_to_f32(f32_to_f16(x));
    case DType::F8E4M3: return f8e4m3_to_f32(f32_to_f8e4m3(x));
    case DType::F8E5M2: return f8e5m2_to_f32(f32_to_f8e5m2(x));
    case DType::I32: return static_cast<float>(f32_to_i32(x));
    case DType::I8: return static_cast<float>(f32_to_i8(x));
    case DType::U8: return static_cast<float>(f32_to_u8(x));
    case DType::kCount: break;
  }
  fail("round_to: invalid dtype {}", static_cast<int>(t));
}

void convert_to_f32(DType src_t, const void* src, float* dst, size_t n) {
  if (kUseAvx2 && numerics_detail::convert_to_f32_avx2(src_t, src, dst, n)) return;
  numerics_detail::convert_to_f32_scalar(src_t, src, dst, n);
}

void convert_from_f32(DType dst_t, const float* src, void* dst, size_t n) {
  if (kUseAvx2 && numerics_detail::convert_from_f32_avx2(dst_t, src, dst, n)) return;
  numerics_detail::convert_from_f32_scalar(dst_t, src, dst, n);
}

}  // namespace npulab
