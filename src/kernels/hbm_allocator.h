// HBM address space of a program: tensors get disjoint, 4 KiB-aligned byte ranges in
// declaration order. One Builder owns one; the Builders of a kernels::ChipBuilder share
// one, so shared and per-core tensors of all cores never overlap.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "isa/instr.h"

namespace npulab::kernels {

class HbmAllocator {
 public:
  static constexpr uint64_t kAlign = 4096;
  explicit HbmAllocator(uint64_t capacity) : capacity_(capacity) {}
  // Offset of a new tensor of `bytes` bytes; throws npulab::Error naming `name` when HBM
  // is full.
  uint64_t allocate(const std::string& name, uint64_t bytes);
  // A new tensor declaration with its HBM range (the shape is checked: non-empty, no zero
  // dimension; errors name the tensor).
  isa::TensorDecl place(const std::string& name, DType t, std::vector<uint64_t> shape, isa::TensorDecl::Kind k);
  uint64_t used() const { return next_; }

 private:
  uint64_t capacity_;
  uint64_t next_ = 0;
};

}  // namespace npulab::kernels
