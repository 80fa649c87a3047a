// AVX2 + F16C kernels of the bulk conversions (8 FP32 lanes per step). Compiled with a
// function-level target attribute so the rest of the binary stays baseline x86-64; dtype.cpp
// only calls them after checking the CPU. Tails (n % 8) go through the scalar code, which
// computes the same bits (see minifloat.h and tests/numerics/fast_vs_scalar_test.cpp).
#include "numerics/convert_kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

#include <cstring>

#include "numerics/minifloat.h"

#define NPULAB_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace npulab::numerics_detail {

// F16C is read from CPUID directly: clang 14's __builtin_cpu_supports does not know "f16c".
// AVX2/FMA come from __builtin_cpu_supports, which (gcc and clang) also requires the OS to
// save the YMM state; we check OSXSAVE + XCR0 explicitly as well so F16C's use of YMM
// registers is covered the same way on every compiler.
bool avx2_available() {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return false;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  const bool f16c = (ecx >> 29) & 1u;
  const bool osxsave = (ecx >> 27) & 1u;
  if (!f16c || !osxsave) return false;
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  // xgetbv via inline asm: the intrinsic would need the "xsave" target on this function.
  __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  return (xcr0_lo & 0x6u) == 0x6u;  // XMM (bit 1) and YMM (bit 2) state enabled by the OS
}

namespace {

NPULAB_AVX2 inline __m256i load8_u8(const uint8_t* p) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

// 8 lanes of values in [0, 0xFFFF] -> 8 uint16 (lane order kept).
NPULAB_AVX2 inline void store8_u16(uint16_t* p, __m256i v) {
  const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(v, v), 0x08);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
}

// 8 lanes of values already in [-128, 255] -> 8 bytes (low 8 bits of each lane, in order).
NPULAB_AVX2 inline void store8_u8(uint8_t* p, __m256i v) {
  const __m256i lo = _mm256_and_si256(v, _mm256_set1_epi32(0xFF));
  const __m256i w = _mm256_packus_epi32(lo, lo);      // lane0: v0..3 v0..3, lane1: v4..7 v4..7
  const __m256i b = _mm256_packus_epi16(w, w);        // bytes 0..3 of each lane = the values
  const __m256i g = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(g));
}

// Lane-wise copy of encode_minifloat() for the FP8 formats (saturating, 8-bit sign).
NPULAB_AVX2 inline __m256i encode8_fp8(const MiniFloat& f, __m256 x) {
  const __m256i bits = _mm256_castps_si256(x);
  const __m256i a = _mm256_and_si256(bits, _mm256_set1_epi32(0x7FFFFFFF));
  const __m256i sign = _mm256_slli_epi32(_mm256_srli_epi32(bits, 31), f.sign_shift);
  const __m256i expf = _mm256_srli_epi32(a, 23);
  const __m256i e = _mm256_sub_epi32(expf, _mm256_set1_epi32(127));
  __m256i mant = _mm256_or_si256(_mm256_and_si256(a, _mm256_set1_epi32(0x7FFFFF)),
                                 _mm256_set1_epi32(0x800000));
  mant = _mm256_andnot_si256(_mm256_cmpeq_epi32(expf, _mm256_setzero_si256()), mant);
  const __m256i extra = _mm256_max_epi32(_mm256_sub_epi32(_mm256_set1_epi32(f.emin()), e),
                                         _mm256_setzero_si256());
  const __m256i shift = _mm256_min_epi32(
      _mm256_add_epi32(_mm256_set1_epi32(23 - f.mbits), extra), _mm256_set1_epi32(25));
  const __m256i one = _mm256_set1_epi32(1);
  __m256i q = _mm256_srlv_epi32(mant, shift);
  const __m256i rem = _mm256_and_si256(mant, _mm256_sub_epi32(_mm256_sllv_epi32(one, shift), one));
  const __m256i half = _mm256_sllv_epi32(one, _mm256_sub_epi32(shift, one));
  const __m256i odd = _mm256_cmpeq_epi32(_mm256_and_si256(q, one), one);
  const __m256i up = _mm256_or_si256(_mm256_cmpgt_epi32(rem, half),
                                     _mm256_and_si256(_mm256_cmpeq_epi32(rem, half), odd));
  q = _mm256_sub_epi32(q, up);  // up is all-ones (-1) where rounding up
  const __m256i normal = _mm256_cmpgt_epi32(e, _mm256_set1_epi32(f.emin() - 1));
  const __m256i code_n = _mm256_add_epi32(
      _mm256_slli_epi32(_mm256_add_epi32(e, _mm256_set1_epi32(f.bias - 1)), f.mbits), q);
  __m256i code = _mm256_blendv_epi8(q, code_n, normal);
  const __m256i maxc = _mm256_set1_epi32(static_cast<int>(f.max_code));
  code = _mm256_blendv_epi8(code, maxc, _mm256_cmpgt_epi32(code, maxc));
  const __m256i inf_bits = _mm256_set1_epi32(0x7F800000);
  const __m256i inf_code = _mm256_set1_epi32(static_cast<int>(f.inf_code ? f.inf_code : f.max_code));
  code = _mm256_blendv_epi8(code, inf_code, _mm256_cmpeq_epi32(a, inf_bits));
  __m256i nan_code = _mm256_set1_epi32(static_cast<int>(f.nan_code));
  if (f.inf_code)
    nan_code = _mm256_or_si256(
        nan_code, _mm256_srli_epi32(_mm256_and_si256(a, _mm256_set1_epi32(0x7FFFFF)), 23 - f.mbits));
  code = _mm256_blendv_epi8(code, nan_code, _mm256_cmpgt_epi32(a, inf_bits));
  return _mm256_or_si256(code, sign);
}

NPULAB_AVX2 size_t bf16_to_f32(const uint16_t* s, float* d, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + i), _mm256_slli_epi32(v, 16));
  }
  return i;
}

NPULAB_AVX2 size_t f32_to_bf16(const float* s, uint16_t* d, size_t n) {
  size_t i = 0;
  const __m256i lsb_mask = _mm256_set1_epi32(1);
  const __m256i bias = _mm256_set1_epi32(0x7FFF);
  const __m256i quiet = _mm256_set1_epi32(0x0040);
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(s + i);
    const __m256i b = _mm256_castps_si256(x);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(b, 16), lsb_mask);
    const __m256i r = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(b, bias), lsb), 16);
    const __m256i nanv = _mm256_or_si256(_mm256_srli_epi32(b, 16), quiet);
    const __m256i isnan = _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    store8_u16(d + i, _mm256_blendv_epi8(r, nanv, isnan));
  }
  return i;
}

NPULAB_AVX2 size_t f16_to_f32(const uint16_t* s, float* d, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(d + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i))));
  return i;
}

NPULAB_AVX2 size_t f32_to_f16(const float* s, uint16_t* d, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(s + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d + i), h);
  }
  return i;
}

NPULAB_AVX2 size_t table_to_f32(const float* table, const uint8_t* s, float* d, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(d + i, _mm256_i32gather_ps(table, load8_u8(s + i), 4));
  return i;
}

NPULAB_AVX2 size_t f32_to_fp8(const MiniFloat& f, const float* s, uint8_t* d, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) store8_u8(d + i, encode8_fp8(f, _mm256_loadu_ps(s + i)));
  return i;
}

NPULAB_AVX2 size_t int_to_f32(DType t, const void* src, float* d, size_t n) {
  size_t i = 0;
  if (t == DType::I32) {
    const auto* s = static_cast<const int32_t*>(src);
    for (; i + 8 <= n; i += 8)
      _mm256_storeu_ps(d + i, _mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i))));
  } else {
    const auto* s = static_cast<const uint8_t*>(src);
    for (; i + 8 <= n; i += 8) {
      const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s + i));
      const __m256i v = t == DType::I8 ? _mm256_cvtepi8_epi32(b) : _mm256_cvtepu8_epi32(b);
      _mm256_storeu_ps(d + i, _mm256_cvtepi32_ps(v));
    }
  }
  return i;
}

// FP32 -> I32: VCVTPS2DQ rounds per MXCSR (nearest even) and gives INT32_MIN for NaN and
// out-of-range; fix NaN -> 0 and positive overflow -> INT32_MAX as the scalar code does.
NPULAB_AVX2 size_t f32_to_i32(const float* s, int32_t* d, size_t n) {
  size_t i = 0;
  const __m256 lim = _mm256_set1_ps(2147483648.0f);
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(s + i);
    __m256i r = _mm256_cvtps_epi32(x);
    r = _mm256_blendv_epi8(r, _mm256_set1_epi32(INT32_MAX), _mm256_castps_si256(_mm256_cmp_ps(x, lim, _CMP_GE_OQ)));
    r = _mm256_andnot_si256(_mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q)), r);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + i), r);
  }
  return i;
}

// FP32 -> I8/U8: NaN -> 0, clamp to the integer range (exact: the bounds are integers, so
// clamping then rounding equals rounding then saturating), then round to nearest even.
NPULAB_AVX2 size_t f32_to_small_int(float lo, float hi, const float* s, uint8_t* d, size_t n) {
  size_t i = 0;
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  for (; i + 8 <= n; i += 8) {
    __m256 x = _mm256_loadu_ps(s + i);
    x = _mm256_and_ps(x, _mm256_cmp_ps(x, x, _CMP_ORD_Q));
    x = _mm256_min_ps(_mm256_max_ps(x, vlo), vhi);
    store8_u8(d + i, _mm256_cvtps_epi32(x));
  }
  return i;
}

}  // namespace

bool convert_to_f32_avx2(DType t, const void* src, float* dst, size_t n) {
  size_t done;
  switch (t) {
    case DType::BF16: done = bf16_to_f32(static_cast<const uint16_t*>(src), dst, n); break;
    case DType::F16: done = f16_to_f32(static_cast<const uint16_t*>(src), dst, n); break;
    case DType::F8E4M3: done = table_to_f32(f8e4m3_table(), static_cast<const uint8_t*>(src), dst, n); break;
    case DType::F8E5M2: done = table_to_f32(f8e5m2_table(), static_cast<const uint8_t*>(src), dst, n); break;
    case DType::I32: case DType::I8: case DType::U8: done = int_to_f32(t, src, dst, n); break;
    default: return false;  // F32 is a plain copy: the scalar path's memmove is already optimal
  }
  convert_to_f32_scalar(t, static_cast<const unsigned char*>(src) + done * dtype_size(t), dst + done, n - done);
  return true;
}

bool convert_from_f32_avx2(DType t, const float* src, void* dst, size_t n) {
  size_t done;
  switch (t) {
    case DType::BF16: done = f32_to_bf16(src, static_cast<uint16_t*>(dst), n); break;
    case DType::F16: done = f32_to_f16(src, static_cast<uint16_t*>(dst), n); break;
    case DType::F8E4M3: done = f32_to_fp8(kE4M3, src, static_cast<uint8_t*>(dst), n); break;
    case DType::F8E5M2: done = f32_to_fp8(kE5M2, src, static_cast<uint8_t*>(dst), n); break;
    case DType::I32: done = f32_to_i32(src, static_cast<int32_t*>(dst), n); break;
    case DType::I8: done = f32_to_small_int(-128.0f, 127.0f, src, static_cast<uint8_t*>(dst), n); break;
    case DType::U8: done = f32_to_small_int(0.0f, 255.0f, src, static_cast<uint8_t*>(dst), n); break;
    default: return false;
  }
  convert_from_f32_scalar(t, src + done, static_cast<unsigned char*>(dst) + done * dtype_size(t), n - done);
  return true;
}

}  // namespace npulab::numerics_detail

#else  // not x86-64 GCC/Clang: scalar only

namespace npulab::numerics_detail {
bool avx2_available() { return false; }
bool convert_to_f32_avx2(DType, const void*, float*, size_t) { return false; }
bool convert_from_f32_avx2(DType, const float*, void*, size_t) { return false; }
}  // namespace npulab::numerics_detail

#endif
