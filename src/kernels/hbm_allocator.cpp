// kernels::HbmAllocator (see hbm_allocator.h).
#include "kernels/hbm_allocator.h"

#include <algorithm>

#include "common/error.h"

namespace npulab::kernels {

uint64_t HbmAllocator::allocate(const std::string& name, uint64_t bytes) {
  if (next_ > capacity_ || bytes > capacity_ - next_)
    fail("HBM full: tensor '{}' needs {} bytes at {}, capacity {}", name, bytes, next_, capacity_);
  const uint64_t at = next_;
  next_ = std::min(capacity_, (next_ + bytes + kAlign - 1) / kAlign * kAlign);
  return at;
}

isa::TensorDecl HbmAllocator::place(const std::string& name, DType t, std::vector<uint64_t> shape,
                                    isa::TensorDecl::Kind k) {
  if (shape.empty()) fail("HBM tensor '{}': empty shape", name);
  for (auto d : shape)
    if (d == 0) fail("HBM tensor '{}': zero-sized dimension", name);
  isa::TensorDecl d;
  d.name = name;
  d.dtype = t;
  d.shape = std::move(shape);
  d.kind = k;
  d.hbm_offset = allocate(name, d.bytes());
  return d;
}

}  // namespace npulab::kernels
