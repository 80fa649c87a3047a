// Internal: the two implementations behind convert_to_f32 / convert_from_f32.
// The portable scalar loops are always available; the AVX2+FMA+F16C kernels are used when
// the running CPU supports them. Tests call both directly to check they are bit-identical.
#pragma once
#include <cstddef>

#include "numerics/dtype.h"

namespace npulab::numerics_detail {

void convert_to_f32_scalar(DType src_t, const void* src, float* dst, size_t n);
void convert_from_f32_scalar(DType dst_t, const float* src, void* dst, size_t n);

// True when this binary has the AVX2 kernels and the CPU can run them.
bool avx2_available();
// AVX2 kernels; only call when avx2_available(). Return false for a dtype they do not cover.
bool convert_to_f32_avx2(DType src_t, const void* src, float* dst, size_t n);
bool convert_from_f32_avx2(DType dst_t, const float* src, void* dst, size_t n);

// 256-entry FP8 -> FP32 decode tables (index = code), built once from decode_minifloat.
const float* f8e4m3_table();
const float* f8e5m2_table();

}  // namespace npulab::numerics_detail
