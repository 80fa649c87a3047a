// 2-D transpose through the tensor engine: each 128x128 block of a row strip of X goes
// through the PE (transpose = matmul against the identity, exact) into a PSUM bank slot,
// then to SBUF (cast to Y's dtype, DVE/ACT alternating) and out to Y's matching block.
#include <fmt/format.h>

#include "kernels/kernels.h"
#include "kernels/rowwise_util.h"

namespace npulab::kernels {

void transpose(Builder& b, const HbmTensor& X, const HbmTensor& Y) {
  const uint64_t R = X.rows(), C = X.cols();
  if (Y.rows() != C || Y.cols() != R)
    fail("transpose: '{}' is [{}, {}], so '{}' must be [{}, {}], is [{}, {}]", X.name(), R, C, Y.name(), C, R,
         Y.rows(), Y.cols());
  const uint32_t T = std::min(b.chip().tensor.rows, b.chip().tensor.cols);
  detail::check_row_fits(b, "transpose", C, 2 * dtype_size(X.dtype()) + 64);
  std::vector<Tile> strips, outs, banks;
  for (int i = 0; i < 2; ++i) strips.push_back(b.sbuf(fmt::format("tr_x{}", i), X.dtype(), T, {uint32_t(C)}));
  for (int i = 0; i < 4; ++i) outs.push_back(b.sbuf(fmt::format("tr_y{}", i), Y.dtype(), T, {T}));
  const uint32_t nbanks = std::max<uint32_t>(1, b.chip().psum.banks);
  for (uint32_t i = 0; i < nbanks; ++i) banks.push_back(b.psum_bank(fmt::format("tr_psum{}", i)));
  const uint32_t slots = std::max<uint32_t>(1, uint32_t(b.chip().psum.bank_bytes() / 4 / T));
  uint32_t strip = 0, blk = 0;
  for (uint64_t r0 = 0; r0 < R; r0 += T, ++strip) {
    const uint32_t rr = uint32_t(std::min<uint64_t>(T, R - r0));
    Tile xs = strips[strip % 2].parts(0, rr);
    b.load(xs, X.view(r0, rr, 0, uint32_t(C)));
    for (uint64_t c0 = 0; c0 < C; c0 += T, ++blk) {
      const uint32_t cc = uint32_t(std::min<uint64_t>(T, C - c0));
      Tile bank = banks[(blk / slots) % nbanks].reshape({slots, T});
      Tile ps = bank.parts(0, cc).slice(0, blk % slots, 1).slice(1, 0, rr);
      b.transpose(ps, xs.cols(uint32_t(c0), cc));
      Tile y = outs[blk % outs.size()].parts(0, cc).cols(0, rr);
      b.tensor_copy(y, ps.reshape({rr}), blk % 2 ? Engine::Scalar : Engine::Vector);
      b.store(Y.view(c0, cc, r0, rr), y);
    }
  }
}

}  // namespace npulab::kernels
