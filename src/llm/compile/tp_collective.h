// The collectives the tensor-parallel step programs use, on a rank's Builder (one core of
// a kernels::ChipBuilder): the only place the LLM compiler calls the collective API.
#pragma once
#include <cstdint>

#include "kernels/builder.h"

namespace npulab::llm::compile {

// dst = sum over ranks 0..ranks-1 of their src (whole tensors, same shape; each rank's own).
void tp_all_reduce_sum(kernels::Builder& b, const kernels::HbmTensor& dst, const kernels::HbmTensor& src,
                       uint32_t ranks);

}  // namespace npulab::llm::compile
