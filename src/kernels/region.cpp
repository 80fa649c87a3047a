#include "kernels/region.h"

#include <algorithm>

namespace npulab::kernels {

namespace {
// Byte extent [lo, hi) of one partition/row of an access pattern, relative to its offset.
void free_extent(const isa::TensorRef& r, int64_t& lo, int64_t& hi) {
  const int64_t es = int64_t(dtype_size(r.dtype));
  lo = 0;
  hi = es;
  for (int i = 0; i < r.ndim; ++i) {
    const int64_t span = int64_t(r.dims[i].stride) * int64_t(r.dims[i].size - 1) * es;
    if (span < 0) lo += span; else hi += span;
  }
}

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
}  // namespace

Region region_of(const isa::TensorRef& r, uint64_t bytes_per_partition) {
  Region g;
  g.space = r.space;
  int64_t lo, hi;
  free_extent(r, lo, hi);
  const uint64_t width = uint64_t(hi - lo);
  // A partition-broadcast view's lanes all read one partition: one row.
  const uint64_t rows = std::max<uint64_t>(r.parts_touched(), 1);
  int64_t stride;
  int64_t base;
  if (r.space == isa::Space::Hbm) {
    stride = r.part_stride * int64_t(dtype_size(r.dtype));
    base = int64_t(r.offset) + lo;
    if (stride < 0) {  // rows walk downwards: start from the last one
      base += stride * int64_t(rows - 1);
      stride = -stride;
    }
  } else {
    stride = int64_t(bytes_per_partition);
    base = int64_t(r.part_start) * stride + int64_t(r.offset) + lo;
  }
  base = std::max<int64_t>(base, 0);
  if (rows == 1 || uint64_t(stride) >= width) {
    g.base = uint64_t(base);
    g.stride = rows == 1 ? width : uint64_t(stride);
    g.rows = rows;
    g.width = width;
  } else {  // rows overlap each other: one interval
    g.base = uint64_t(base);
    g.rows = 1;
    g.width = uint64_t(stride) * (rows - 1) + width;
    g.stride = g.width;
  }
  return g;
}

bool overlaps(const Region& a, const Region& b) {
  if (a.space != b.space) return false;
  if (a.hi() <= b.lo() || b.hi() <= a.lo()) return false;
  if (a.rows == 1 && b.rows == 1) return true;
  // A single row has no stride of its own: test it against the other's rows (e.g. one
  // partition of an SBUF tile against a 128-partition tile), else rows must share a stride.
  const uint64_t sa = a.rows == 1 ? b.stride : a.stride, sb = b.rows == 1 ? a.stride : b.stride;
  if (sa != sb || sa == 0) return true;  // conservative
  // Rows r of a and s of b intersect iff -wB < d + k*S < wA with d = b0 - a0, k = s - r.
  const int64_t S = int64_t(sa);
  const int64_t d = int64_t(b.base) - int64_t(a.base);
  const int64_t wa = int64_t(a.width), wb = int64_t(b.width);
  int64_t kmin = floor_div(-wb - d, S) + 1;       // smallest k with d + kS > -wB
  int64_t kmax = -floor_div(-(wa - d), S) - 1;    // largest k with d + kS < wA
  kmin = std::max<int64_t>(kmin, -int64_t(a.rows - 1));
  kmax = std::min<int64_t>(kmax, int64_t(b.rows - 1));
  return kmin <= kmax;
}

bool covers(const Region& outer, const Region& inner) {
  if (outer.space != inner.space) return false;
  if (inner.lo() < outer.lo() || inner.hi() > outer.hi()) return false;
  if (outer.rows == 1) return true;  // one interval containing inner's bounding interval
  if (inner.rows > 1 && inner.stride != outer.stride) return false;
  const uint64_t d = inner.base - outer.base;
  const uint64_t row = d / outer.stride, off = d % outer.stride;
  return off + inner.width <= outer.width && row + inner.rows <= outer.rows;
}

}  // namespace npulab::kernels
