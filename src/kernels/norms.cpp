// RMSNorm and LayerNorm, rows on partitions. The mean of squares comes for free from the
// scalar engine's accumulate: sum((x / sqrt(C))^2) = mean(x^2). gamma/beta are loaded once,
// broadcast to every partition by a DMA with partition stride 0.
#include <fmt/format.h>

#include <cmath>

#include "kernels/kernels.h"
#include "kernels/rowwise_util.h"

namespace npulab::kernels {

namespace {
Tile load_broadcast(Builder& b, const HbmTensor& v, uint32_t C, const char* name) {
  if (v.rows() != 1 || v.cols() != C)
    fail("{}: '{}' must be a vector of {} elements, is [{}, {}]", name, v.name(), C, v.rows(), v.cols());
  const uint32_t P = detail::row_tile(b);
  Tile t = b.sbuf(fmt::format("{}_{}", name, v.name()), DType::F32, P, {C});
  b.load(t, v.broadcast_row(0, P, 0, C));
  return t;
}
}  // namespace

void rmsnorm(Builder& b, const HbmTensor& X, const HbmTensor& gamma, const HbmTensor& Y, float eps) {
  detail::check_same_shape("rmsnorm", X, Y);
  const uint64_t R = X.rows();
  const uint32_t C = uint32_t(X.cols()), P = detail::row_tile(b);
  detail::check_row_fits(b, "rmsnorm", C, 4 + 2 * (dtype_size(X.dtype()) + 8 + dtype_size(Y.dtype())));
  Tile g = load_broadcast(b, gamma, C, "rmsnorm");
  struct Set { Tile x, sq, t, y, ms, rstd; };
  std::vector<Set> sets;
  for (int i = 0; i < 2; ++i)
    sets.push_back({b.sbuf(fmt::format("rms_x{}", i), X.dtype(), P, {C}), b.sbuf(fmt::format("rms_sq{}", i), DType::F32, P, {C}),
                    b.sbuf(fmt::format("rms_t{}", i), DType::F32, P, {C}), b.sbuf(fmt::format("rms_y{}", i), Y.dtype(), P, {C}),
                    b.sbuf(fmt::format("rms_ms{}", i), DType::F32, P, {1}),
                    b.sbuf(fmt::format("rms_rstd{}", i), DType::F32, P, {1})});
  const float inv_sqrt_c = float(1.0 / std::sqrt(double(C)));
  uint32_t it = 0;
  for (uint64_t r0 = 0; r0 < R; r0 += P, ++it) {
    const uint32_t rr = uint32_t(std::min<uint64_t>(P, R - r0));
    Set& s = sets[it % 2];
    Tile x = s.x.parts(0, rr), sq = s.sq.parts(0, rr), t = s.t.parts(0, rr), y = s.y.parts(0, rr);
    Tile ms = s.ms.parts(0, rr), rstd = s.rstd.parts(0, rr);
    b.load(x, X.view(r0, rr, 0, C));
    b.activation(sq, x, isa::ActFunc::square, {.scale = inv_sqrt_c, .accum = &ms});
    b.activation(rstd, ms, isa::ActFunc::rsqrt, {.bias = eps});
    b.tensor_scalar(t, x, isa::AluOp::multiply, rstd);
    b.tensor_tensor(y, t, g.parts(0, rr), isa::AluOp::multiply);
    b.store(Y.view(r0, rr, 0, C), y);
  }
}

void layernorm(Builder& b, const HbmTensor& X, const HbmTensor& gamma, const HbmTensor& beta, const HbmTensor& Y,
               float eps) {
  detail::check_same_shape("layernorm", X, Y);
  const uint64_t R = X.rows();
  const uint32_t C = uint32_t(X.cols()), P = detail::row_tile(b);
  detail::check_row_fits(b, "layernorm", C, 8 + 2 * (dtype_size(X.dtype()) + 12 + dtype_size(Y.dtype())));
  Tile g = load_broadcast(b, gamma, C, "layernorm");
  Tile be = load_broadcast(b, beta, C, "layernorm");
  struct Set { Tile x, xc, sq, y, sum, negmean, var, rstd; };
  std::vector<Set> sets;
  for (int i = 0; i < 2; ++i)
    sets.push_back({b.sbuf(fmt::format("ln_x{}", i), X.dtype(), P, {C}), b.sbuf(fmt::format("ln_xc{}", i), DType::F32, P, {C}),
                    b.sbuf(fmt::format("ln_sq{}", i), DType::F32, P, {C}), b.sbuf(fmt::format("ln_y{}", i), Y.dtype(), P, {C}),
                    b.sbuf(fmt::format("ln_sum{}", i), DType::F32, P, {1}),
                    b.sbuf(fmt::format("ln_negmean{}", i), DType::F32, P, {1}),
                    b.sbuf(fmt::format("ln_var{}", i), DType::F32, P, {1}),
                    b.sbuf(fmt::format("ln_rstd{}", i), DType::F32, P, {1})});
  const float inv_sqrt_c = float(1.0 / std::sqrt(double(C)));
  uint32_t it = 0;
  for (uint64_t r0 = 0; r0 < R; r0 += P, ++it) {
    const uint32_t rr = uint32_t(std::min<uint64_t>(P, R - r0));
    Set& s = sets[it % 2];
    Tile x = s.x.parts(0, rr), xc = s.xc.parts(0, rr), sq = s.sq.parts(0, rr), y = s.y.parts(0, rr);
    Tile sum = s.sum.parts(0, rr), nm = s.negmean.parts(0, rr), var = s.var.parts(0, rr), rstd = s.rstd.parts(0, rr);
    b.load(x, X.view(r0, rr, 0, C));
    b.tensor_reduce(sum, x, isa::AluOp::add);
    b.tensor_scalar(nm, sum, isa::AluOp::multiply, -1.0f / float(C));
    b.tensor_scalar(xc, x, isa::AluOp::add, nm);
    b.activation(sq, xc, isa::ActFunc::square, {.scale = inv_sqrt_c, .accum = &var});
    b.activation(rstd, var, isa::ActFunc::rsqrt, {.bias = eps});
    b.tensor_scalar(xc, xc, isa::AluOp::multiply, rstd);
    b.tensor_tensor(xc, xc, g.parts(0, rr), isa::AluOp::multiply);
    b.tensor_tensor(y, xc, be.parts(0, rr), isa::AluOp::add);
    b.store(Y.view(r0, rr, 0, C), y);
  }
}

}  // namespace npulab::kernels
