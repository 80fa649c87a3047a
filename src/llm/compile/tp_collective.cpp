#include "llm/compile/tp_collective.h"

namespace npulab::llm::compile {

void tp_all_reduce_sum(kernels::Builder& b, const kernels::HbmTensor& dst, const kernels::HbmTensor& src,
                       uint32_t ranks) {
  const uint64_t group = ranks >= 64 ? ~uint64_t(0) : (uint64_t(1) << ranks) - 1;  // cores 0..ranks-1
  b.all_reduce(dst.view(0, uint32_t(dst.rows()), 0, uint32_t(dst.cols())),
               src.view(0, uint32_t(src.rows()), 0, uint32_t(src.cols())), isa::AluOp::add, group);
}

}  // namespace npulab::llm::compile
