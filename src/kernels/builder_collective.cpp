// Collectives of the kernel builder (see builder.h and kernels/chip_builder.h): one
// instruction on the core's SP stream whose semaphores are inferred like any op's.
#include <fmt/format.h>

#include "common/error.h"
#include "isa/asm.h"
#include "isa/collective_rules.h"
#include "isa/opcode_table.h"
#include "kernels/builder.h"

namespace npulab::kernels {

void Builder::collective(isa::Opcode op, const isa::TensorRef& dst, const isa::TensorRef& src, isa::AluOp alu,
                         uint64_t group) {
  if (finished_) fail("kernel '{}': builder already finished", exe_.name);
  const uint64_t all = chip_cores_ >= 64 ? ~uint64_t(0) : (uint64_t(1) << chip_cores_) - 1;
  if (group == 0) group = in_chip_ ? all : uint64_t(1) << core_;
  isa::Instr in;
  in.op = op;
  in.t[0] = dst;
  in.t[1] = src;
  in.iimm0 = int64_t(group);
  if (op == isa::Opcode::all_reduce || op == isa::Opcode::reduce_scatter) in.alu0 = alu;
  if (dst.space != isa::Space::Hbm || src.space != isa::Space::Hbm || !dst.used() || !src.used())
    fail("kernel '{}': {} operands must be HBM tensors (views of an HbmTensor)", exe_.name, isa::op_info(op).name);
  if (group & ~all)
    fail("kernel '{}': {} group {} names cores outside the chip program's {} cores", exe_.name,
         isa::op_info(op).name, isa::group_text(int64_t(group)), chip_cores_);
  if (auto err = isa::collective_error(in, chip_.cores_per_chip, core_))
    fail("kernel '{}' core {}: `{}`: {}", exe_.name, core_, isa::to_text(in), *err);
  emit(uint32_t(isa::Stream::SP), in);
  collectives_.push_back({in, uint32_t(prog_.streams[uint32_t(isa::Stream::SP)].size() - 1)});
}

void Builder::all_reduce(const isa::TensorRef& dst, const isa::TensorRef& src, isa::AluOp op, uint64_t group) {
  collective(isa::Opcode::all_reduce, dst, src, op, group);
}
void Builder::all_gather(const isa::TensorRef& dst, const isa::TensorRef& src, uint64_t group) {
  collective(isa::Opcode::all_gather, dst, src, isa::AluOp::bypass, group);
}
void Builder::reduce_scatter(const isa::TensorRef& dst, const isa::TensorRef& src, isa::AluOp op, uint64_t group) {
  collective(isa::Opcode::reduce_scatter, dst, src, op, group);
}
void Builder::all_to_all(const isa::TensorRef& dst, const isa::TensorRef& src, uint64_t group) {
  collective(isa::Opcode::all_to_all, dst, src, isa::AluOp::bypass, group);
}

}  // namespace npulab::kernels
