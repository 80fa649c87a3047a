// Elementwise activation Y = func(X * scale + bias) on the scalar engine. Rows on
// partitions, the free axis in chunks of up to 4096 elements, three tile sets in rotation
// so load, compute and store of consecutive chunks overlap.
#include <fmt/format.h>

#include "kernels/kernels.h"
#include "kernels/rowwise_util.h"

namespace npulab::kernels {

void activation(Builder& b, const HbmTensor& X, const HbmTensor& Y, isa::ActFunc func, float scale, float bias) {
  detail::check_same_shape("activation", X, Y);
  const uint64_t R = X.rows(), C = X.cols();
  const uint32_t P = detail::row_tile(b);
  const uint32_t chunk = uint32_t(std::min<uint64_t>(C, 4096));
  constexpr int kSets = 3;
  std::vector<Tile> xs, ys;
  for (int i = 0; i < kSets; ++i) {
    xs.push_back(b.sbuf(fmt::format("act_x{}", i), X.dtype(), P, {chunk}));
    ys.push_back(b.sbuf(fmt::format("act_y{}", i), Y.dtype(), P, {chunk}));
  }
  uint32_t it = 0;
  for (uint64_t r0 = 0; r0 < R; r0 += P)
    for (uint64_t c0 = 0; c0 < C; c0 += chunk, ++it) {
      const uint32_t rr = uint32_t(std::min<uint64_t>(P, R - r0)), cc = uint32_t(std::min<uint64_t>(chunk, C - c0));
      Tile x = xs[it % kSets].parts(0, rr).cols(0, cc), y = ys[it % kSets].parts(0, rr).cols(0, cc);
      b.load(x, X.view(r0, rr, c0, cc));
      b.activation(y, x, func, {.scale = scale, .bias = bias});
      b.store(Y.view(r0, rr, c0, cc), y);
    }
}

}  // namespace npulab::kernels
