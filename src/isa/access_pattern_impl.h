// Template part of isa/access_pattern.h (included at its end).
#pragma once
#include <algorithm>

namespace npulab::isa {

template <class Fn>
void for_each_interval(const TensorRef& r, uint64_t eff_offset, int64_t gap, Fn&& fn) {
  const int64_t esz = int64_t(dtype_size(r.dtype));
  const NormPattern np = normalize_pattern(r);
  // Innermost merged dim: one interval if its elements are at most `gap` apart.
  int64_t in_size = 1, in_stride = 1;
  int first_outer = 0;
  if (np.n > 0) {
    in_size = np.dims[0].size;
    in_stride = np.dims[0].stride;
    first_outer = 1;
  }
  const bool dense = ((in_stride < 0 ? -in_stride : in_stride) - 1) * esz <= gap;
  // Outer dims (up to 3), enumerated with an odometer.
  int64_t osize[3] = {1, 1, 1}, ostride[3] = {0, 0, 0};
  int no = 0;
  for (int k = first_outer; k < np.n; ++k, ++no) {
    osize[no] = np.dims[k].size;
    ostride[no] = np.dims[k].stride * esz;
  }
  const bool hbm = r.space == Space::Hbm;
  // A partition-broadcast view touches one partition however many lanes read it.
  for (uint32_t p = 0; p < r.parts_touched(); ++p) {
    const uint32_t part = hbm ? UINT32_MAX : uint32_t(r.part_start + p);
    const int64_t base = int64_t(eff_offset) + (hbm ? int64_t(p) * r.part_stride * esz : 0);
    bool have = false;
    int64_t cur_lo = 0, cur_hi = 0;
    auto emit = [&](int64_t lo, int64_t hi) {
      if (have && lo <= cur_hi + gap && hi >= cur_lo - gap) {
        cur_lo = std::min(cur_lo, lo);
        cur_hi = std::max(cur_hi, hi);
        return;
      }
      if (have) fn(part, uint64_t(cur_lo), uint64_t(cur_hi));
      have = true;
      cur_lo = lo;
      cur_hi = hi;
    };
    for (int64_t a = 0; a < osize[2]; ++a)
      for (int64_t b = 0; b < osize[1]; ++b)
        for (int64_t c = 0; c < osize[0]; ++c) {
          const int64_t o = base + a * ostride[2] + b * ostride[1] + c * ostride[0];
          if (dense) {
            const int64_t span = (in_size - 1) * in_stride * esz;
            emit(o + std::min<int64_t>(0, span), o + std::max<int64_t>(0, span) + esz);
          } else {
            for (int64_t i = 0; i < in_size; ++i) {
              const int64_t e = o + i * in_stride * esz;
              emit(e, e + esz);
            }
          }
        }
    if (have) fn(part, uint64_t(cur_lo), uint64_t(cur_hi));
  }
}

}  // namespace npulab::isa
