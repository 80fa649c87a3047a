// Softmax, rows on partitions (reference §3, the NKI pattern):
//   negmax = -max(x)              tensor_reduce(max, negate)         DVE
//   e = exp(x + negmax), s = sum  activation(exp, bias, accumulate)  ACT
//   r = 1 / s                     activation(reciprocal) on [P,1]    ACT
//   y = e * r                     tensor_scalar(multiply, r)         DVE
#include <fmt/format.h>

#include "kernels/kernels.h"
#include "kernels/rowwise_util.h"

namespace npulab::kernels {

void softmax(Builder& b, const HbmTensor& X, const HbmTensor& Y) {
  detail::check_same_shape("softmax", X, Y);
  const uint64_t R = X.rows();
  const uint32_t C = uint32_t(X.cols()), P = detail::row_tile(b);
  detail::check_row_fits(b, "softmax", C, 2 * (dtype_size(X.dtype()) + 4 + dtype_size(Y.dtype())));
  struct Set { Tile x, e, y, negmax, sum, rsum; };
  std::vector<Set> sets;
  for (int i = 0; i < 2; ++i)
    sets.push_back({b.sbuf(fmt::format("sm_x{}", i), X.dtype(), P, {C}), b.sbuf(fmt::format("sm_e{}", i), DType::F32, P, {C}),
                    b.sbuf(fmt::format("sm_y{}", i), Y.dtype(), P, {C}),
                    b.sbuf(fmt::format("sm_negmax{}", i), DType::F32, P, {1}),
                    b.sbuf(fmt::format("sm_sum{}", i), DType::F32, P, {1}),
                    b.sbuf(fmt::format("sm_rsum{}", i), DType::F32, P, {1})});
  uint32_t it = 0;
  for (uint64_t r0 = 0; r0 < R; r0 += P, ++it) {
    const uint32_t rr = uint32_t(std::min<uint64_t>(P, R - r0));
    Set& s = sets[it % 2];
    Tile x = s.x.parts(0, rr), e = s.e.parts(0, rr), y = s.y.parts(0, rr);
    Tile nm = s.negmax.parts(0, rr), sum = s.sum.parts(0, rr), rs = s.rsum.parts(0, rr);
    b.load(x, X.view(r0, rr, 0, C));
    b.tensor_reduce(nm, x, isa::AluOp::max, /*negate=*/true);
    b.activation(e, x, isa::ActFunc::exp, {.bias_tile = &nm, .accum = &sum});
    b.activation(rs, sum, isa::ActFunc::reciprocal);
    b.tensor_scalar(y, e, isa::AluOp::multiply, rs);
    b.store(Y.view(r0, rr, 0, C), y);
  }
}

}  // namespace npulab::kernels
