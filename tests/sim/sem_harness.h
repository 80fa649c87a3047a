// Test harness for the data-opcode semantics: a hand-built core (SBUF, PSUM, HBM), an
// ExecCtx over it, and element placement/readback written independently of
// sim/exec.cpp (plain loops over the access pattern), so fixture data is put where the
// access-pattern definition in isa/instr.h says, not where the code under test thinks.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "arch/chip.h"
#include "isa/instr.h"
#include "sim/exec.h"
#include "sim/memory.h"
#include "sim/semantics.h"

namespace npulab::test {

struct SemMachine {
  arch::ChipConfig chip;
  sim::Scratchpad sbuf{128, 16 * 1024, true};
  sim::Scratchpad psum{128, 16 * 1024, true};
  sim::Hbm hbm{1ull << 32, true};
  std::vector<int64_t> regs = std::vector<int64_t>(8, 0);

  sim::ExecCtx ctx() {
    sim::ExecCtx c;
    c.chip = &chip;
    c.mem = {&sbuf, &psum, &hbm};
    c.regs = regs;
    return c;
  }

  // Calls fn(byte address or pointer, dense index) for every element of r, in dense order.
  template <class Fn>
  void for_each_elem(const isa::TensorRef& r, Fn&& fn) {
    const size_t esz = dtype_size(r.dtype);
    uint32_t size[4] = {1, 1, 1, 1};
    int64_t stride[4] = {0, 0, 0, 0};
    for (int k = 0; k < r.ndim; ++k) {
      size[4 - r.ndim + k] = r.dims[k].size;
      stride[4 - r.ndim + k] = r.dims[k].stride;
    }
    uint64_t off = r.offset;
    if (r.offset_reg >= 0) off += regs[r.offset_reg] * r.offset_reg_scale;
    uint64_t idx = 0;
    for (uint32_t p = 0; p < r.part_count; ++p)
      for (uint32_t a = 0; a < size[0]; ++a)
        for (uint32_t b = 0; b < size[1]; ++b)
          for (uint32_t c = 0; c < size[2]; ++c)
            for (uint32_t d = 0; d < size[3]; ++d) {
              const int64_t e = a * stride[0] + b * stride[1] + c * stride[2] + d * stride[3];
              if (r.space == isa::Space::Hbm) {
                fn(static_cast<uint8_t*>(nullptr), uint64_t(off + (int64_t(p) * r.part_stride + e) * int64_t(esz)), idx++);
              } else {
                auto& sp = r.space == isa::Space::Sbuf ? sbuf : psum;
                fn(sp.row(r.part_start + p) + off + e * int64_t(esz), uint64_t(0), idx++);
              }
            }
  }

  // Write element codes (little endian, dtype width) in dense order.
  void put(const isa::TensorRef& r, const std::vector<uint64_t>& codes) {
    const size_t esz = dtype_size(r.dtype);
    ASSERT_EQ(codes.size(), r.elems());
    for_each_elem(r, [&](uint8_t* ptr, uint64_t addr, uint64_t i) {
      if (ptr)
        std::memcpy(ptr, &codes[i], esz);
      else
        hbm.write(addr, &codes[i], esz);
    });
  }
  std::vector<uint64_t> get(const isa::TensorRef& r) {
    const size_t esz = dtype_size(r.dtype);
    std::vector<uint64_t> out(r.elems(), 0);
    for_each_elem(r, [&](uint8_t* ptr, uint64_t addr, uint64_t i) {
      if (ptr)
        std::memcpy(&out[i], ptr, esz);
      else
        hbm.read(addr, &out[i], esz);
    });
    return out;
  }
};

// Builds a TensorRef: contiguous row-major free dims unless strides are given.
inline isa::TensorRef tref(isa::Space space, DType dt, uint16_t part_start, uint16_t parts,
                           uint64_t offset, std::vector<std::pair<int32_t, uint32_t>> dims) {
  isa::TensorRef r;
  r.space = space;
  r.dtype = dt;
  r.part_start = part_start;
  r.part_count = parts;
  r.offset = offset;
  r.ndim = uint8_t(dims.size());
  for (size_t k = 0; k < dims.size(); ++k) r.dims[k] = {dims[k].first, dims[k].second};
  return r;
}

inline uint32_t fbits(float x) {
  uint32_t b;
  std::memcpy(&b, &x, 4);
  return b;
}
inline float bitsf(uint32_t b) {
  float x;
  std::memcpy(&x, &b, 4);
  return x;
}

}  // namespace npulab::test
