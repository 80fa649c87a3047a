// Moving host data in and out of a simulated chip's HBM by tensor declaration, with
// dtype conversion (RNE) — what a runtime does around a kernel launch.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "isa/instr.h"
#include "sim/memory.h"

namespace npulab::kernels {

const isa::TensorDecl& find_tensor(const isa::Executable& exe, const std::string& name);
// Write FP32 values (rounded to the tensor's dtype) into its HBM bytes.
void write_tensor(sim::Hbm& hbm, const isa::TensorDecl& t, const std::vector<float>& values);
// Read a tensor back as FP32.
std::vector<float> read_tensor(const sim::Hbm& hbm, const isa::TensorDecl& t);
// Round each value to dtype t (what the chip will see after write_tensor).
std::vector<float> rounded(DType t, std::vector<float> v);
// Deterministic uniform random values in [lo, hi) (splitmix64-based, seedable).
std::vector<float> random_values(uint64_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f);

}  // namespace npulab::kernels
