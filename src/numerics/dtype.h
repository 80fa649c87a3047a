// Data types of the simulated chip and their conversions.
// Every narrowing conversion is round-to-nearest-even (RNE), as on the hardware.
//
// FP8 conventions (documented in docs/NUMERICS.md):
//  - F8E4M3 is OCP "E4M3FN": bias 7, no infinities, S.1111.111 is NaN, max finite 448.
//  - F8E5M2 is OCP E5M2: IEEE-like, bias 15, infinities, max finite 57344.
//  Conversion from FP32 to FP8 saturates finite overflow to +-max finite (the hardware's
//  saturating cast); +-inf -> +-max for E4M3 (which has no inf) and +-inf for E5M2; NaN -> NaN.
//  Subnormals are kept (gradual underflow) in every format.
#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace npulab {

enum class DType : uint8_t { F32, BF16, F16, F8E4M3, F8E5M2, I32, I8, U8, kCount };

constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32: case DType::I32: return 4;
    case DType::BF16: case DType::F16: return 2;
    default: return 1;
  }
}
constexpr bool dtype_is_float(DType t) {
  return t == DType::F32 || t == DType::BF16 || t == DType::F16 || t == DType::F8E4M3 ||
         t == DType::F8E5M2;
}
std::string_view dtype_name(DType t);                        // "f32", "bf16", "f16", "f8e4m3", ...
std::optional<DType> parse_dtype(std::string_view name);     // accepts the names above

// Scalar conversions (bit patterns in/out). All RNE.
uint16_t f32_to_bf16(float x);
// BF16 is the top half of an FP32: widening is a shift (inline: the simulator's matmul
// packing decodes every BF16 operand with it).
inline float bf16_to_f32(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }
uint16_t f32_to_f16(float x);
float f16_to_f32(uint16_t h);
uint8_t f32_to_f8e4m3(float x);
float f8e4m3_to_f32(uint8_t b);
uint8_t f32_to_f8e5m2(float x);
float f8e5m2_to_f32(uint8_t b);
// Integers: FP32 -> int rounds to nearest even and saturates; NaN -> 0.
int32_t f32_to_i32(float x);
int8_t f32_to_i8(float x);    // saturates to [-128, 127]
uint8_t f32_to_u8(float x);   // saturates to [0, 255]

// Round x to the nearest value representable in t (returns it as float). Identity for F32.
float round_to(DType t, float x);

// Element load/store through a dtype: read element i of a buffer as FP32, write FP32 as t.
float load_as_f32(DType t, const void* base, size_t i);
void store_from_f32(DType t, float v, void* base, size_t i);

// Bulk conversion of n contiguous elements; the hot path of the simulator, vectorised.
void convert_to_f32(DType src_t, const void* src, float* dst, size_t n);
void convert_from_f32(DType dst_t, const float* src, void* dst, size_t n);

}  // namespace npulab
