// Internal: one generic description of a binary floating-point format narrower than FP32, and
// the scalar encode/decode written once for all of them (F16, FP8 E4M3FN, FP8 E5M2).
// The AVX2 encoder (convert_avx2.cpp) implements exactly the same integer algorithm lane-wise,
// so the fast and scalar paths are bit-identical by construction (and tested to be).
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>

namespace npulab::numerics_detail {

struct MiniFloat {
  int mbits;          // stored mantissa bits
  int bias;           // exponent bias
  uint32_t max_code;  // magnitude code of the largest finite value (sign bit clear)
  uint32_t inf_code;  // magnitude code of infinity; 0 if the format has none
  uint32_t nan_code;  // canonical quiet-NaN magnitude code (payload bits may be OR-ed in)
  bool saturate;      // finite overflow -> +-max (FP8) instead of +-inf (F16)
  int sign_shift;     // position of the sign bit (7 for FP8, 15 for F16)
  int emin() const { return 1 - bias; }
};

inline constexpr MiniFloat kF16{10, 15, 0x7BFF, 0x7C00, 0x7E00, false, 15};
inline constexpr MiniFloat kE4M3{3, 7, 0x7E, 0, 0x7F, true, 7};      // OCP E4M3FN
inline constexpr MiniFloat kE5M2{2, 15, 0x7B, 0x7C, 0x7E, true, 7};  // OCP E5M2

// FP32 -> format, round to nearest even. Works on the integer significand so that ties are
// decided exactly: q = significand >> shift, then round up if the dropped bits are above half,
// or exactly half and q is odd. A carry out of the mantissa lands in the exponent field for free
// because the code is built as ((e + bias - 1) << mbits) + q with q including the hidden bit.
inline uint32_t encode_minifloat(const MiniFloat& f, float x) {
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  const uint32_t sign = (bits >> 31) << f.sign_shift;
  const uint32_t a = bits & 0x7FFFFFFFu;
  if (a > 0x7F800000u) {  // NaN: quiet it and keep the top payload bits (as F16C does)
    const uint32_t payload = f.inf_code ? (a & 0x7FFFFFu) >> (23 - f.mbits) : 0;
    return sign | f.nan_code | payload;
  }
  if (a == 0x7F800000u) return sign | (f.inf_code ? f.inf_code : f.max_code);
  const int e = static_cast<int>(a >> 23) - 127;
  // FP32 subnormals are far below half the smallest subnormal of every target: they give 0.
  const uint32_t mant = (a >> 23) ? ((a & 0x7FFFFFu) | 0x800000u) : 0u;
  int shift = (23 - f.mbits) + (e < f.emin() ? f.emin() - e : 0);
  if (shift > 25) shift = 25;  // everything shifted out; rem < half so the result is 0
  uint32_t q = mant >> shift;
  const uint32_t rem = mant & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1u))) ++q;
  uint32_t code = e >= f.emin() ? ((static_cast<uint32_t>(e + f.bias - 1)) << f.mbits) + q : q;
  if (code > f.max_code) code = f.saturate ? f.max_code : f.inf_code;
  return sign | code;
}

// Format -> FP32 (exact). NaN keeps sign and payload and is returned quiet, matching
// VCVTPH2PS so that the F16C path and this one agree bit for bit.
inline float decode_minifloat(const MiniFloat& f, uint32_t code) {
  const uint32_t sign = (code >> f.sign_shift) & 1u;
  const uint32_t mag = code & ((1u << f.sign_shift) - 1u);
  const uint32_t m = mag & ((1u << f.mbits) - 1u);
  const uint32_t ef = mag >> f.mbits;
  uint32_t out;
  if ((f.inf_code && ef == (f.inf_code >> f.mbits)) || (!f.inf_code && mag == f.nan_code)) {
    if (f.inf_code && m == 0) {
      out = 0x7F800000u;
    } else {
      out = 0x7FC00000u | (m << (23 - f.mbits));
    }
  } else if (ef == 0) {  // subnormal or zero: m * 2^(emin - mbits), exact in FP32
    const float v = std::ldexp(static_cast<float>(m), f.emin() - f.mbits);
    out = std::bit_cast<uint32_t>(v);
  } else {
    out = (static_cast<uint32_t>(static_cast<int>(ef) - f.bias + 127) << 23) | (m << (23 - f.mbits));
  }
  return std::bit_cast<float>(out | (sign << 31));
}

}  // namespace npulab::numerics_detail
