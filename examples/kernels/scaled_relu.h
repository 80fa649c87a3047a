// Tutorial kernel (docs/KERNELS.md): Y = relu(X * scale) + 1 for an [R, C] tensor, rows on
// partitions, two tile sets in rotation. Compiled and checked by tests/kernels/test_tutorial.cpp.
#pragma once
#include <algorithm>

#include "kernels/builder.h"

namespace example {

using namespace npulab;

inline isa::Executable scaled_relu(const arch::ChipConfig& chip, uint64_t R, uint32_t C, float scale) {
  kernels::Builder b(chip, "scaled_relu");
  kernels::HbmTensor X = b.input("X", DType::F32, {R, C});
  kernels::HbmTensor Y = b.output("Y", DType::F32, {R, C});
  const uint32_t P = chip.sbuf.partitions;  // 128 rows per tile
  kernels::Tile x[2] = {b.sbuf("x0", DType::F32, P, {C}), b.sbuf("x1", DType::F32, P, {C})};
  kernels::Tile y[2] = {b.sbuf("y0", DType::F32, P, {C}), b.sbuf("y1", DType::F32, P, {C})};
  for (uint64_t r0 = 0, i = 0; r0 < R; r0 += P, ++i) {
    const uint32_t rows = uint32_t(std::min<uint64_t>(P, R - r0));
    kernels::Tile xt = x[i % 2].parts(0, rows), yt = y[i % 2].parts(0, rows);
    b.load(xt, X.view(r0, rows, 0, C));                                  // DMA queues
    b.activation(yt, xt, isa::ActFunc::relu, {.scale = scale});          // ACT
    b.tensor_scalar(yt, yt, isa::AluOp::add, 1.0f);                      // DVE
    b.store(Y.view(r0, rows, 0, C), yt);                                 // DMA queues
  }
  return b.finish();  // semaphores inferred; the program is validated
}

}  // namespace example
