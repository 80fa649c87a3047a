// Helpers shared by the row-wise kernels.
#pragma once
#include <cstdint>

#include "common/error.h"
#include "kernels/builder.h"

namespace npulab::kernels::detail {

inline uint32_t row_tile(const Builder& b) { return b.chip().sbuf.partitions; }

// Rows are on partitions and a whole row must fit in a tile: check it against SBUF.
inline void check_row_fits(const Builder& b, const char* kernel, uint64_t cols, uint64_t bytes_per_col) {
  const uint64_t need = cols * bytes_per_col;
  if (need > b.chip().sbuf.bytes_per_partition)
    fail("{}: rows of {} elements need {} bytes per SBUF partition for double-buffered tiles, the chip has {}",
         kernel, cols, need, b.chip().sbuf.bytes_per_partition);
}

inline void check_same_shape(const char* kernel, const HbmTensor& x, const HbmTensor& y) {
  if (x.rows() != y.rows() || x.cols() != y.cols())
    fail("{}: '{}' is [{}, {}] but '{}' is [{}, {}]", kernel, x.name(), x.rows(), x.cols(), y.name(), y.rows(),
         y.cols());
}

}  // namespace npulab::kernels::detail
