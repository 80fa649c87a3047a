// One table of op and kernel cases (what, shape, dtype, tolerance), run by every_mode_test.cpp
// in every simulation mode, as ggml's test-backend-ops runs every op on every backend. A case
// is a small program built with kernels::Builder (one instruction between its loads and its
// store, or a standard kernel), seeded inputs, and an independent float64 host reference
// (plain C++ here or kernels/reference.h, never the simulator's semantics code).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kernels/builder.h"

namespace npulab::kernels::test {

// Host values by tensor name, as the chip sees them (rounded to each tensor's dtype).
using Values = std::map<std::string, std::vector<float>>;

struct TensorSpec {
  std::string name;
  DType dtype = DType::F32;
  std::vector<uint64_t> shape;
  // Seeded values before rounding to dtype (default: uniform in [-2, 2)).
  std::function<std::vector<float>(uint64_t n, uint64_t seed)> values;
};

// What the reference says about the output "out": want[i], and the scale its error is
// measured against (|want[i]| when empty; sum |a*b| for a matmul, whose FP32 accumulation
// error grows with the sum of the magnitudes, not with the result).
struct Expected {
  std::vector<double> want, scale;
};

struct OpCase {
  std::string what;             // the opcode or kernel exercised: "tensor_tensor", "softmax", ...
  std::string variant;          // what distinguishes cases of the same op: "add_dve", "exp_accum"
  std::vector<uint64_t> shape;  // headline shape (of the output unless said otherwise)
  DType dtype = DType::F32;     // headline dtype (of the inputs)
  double atol = 0, rtol = 0;    // |got - want| <= atol + rtol * scale, element by element
  std::vector<TensorSpec> inputs;
  TensorSpec out;               // the one output, named "out"
  // Emits the program: inputs and output are declared already, in `tensors` by name.
  std::function<void(Builder&, const std::map<std::string, HbmTensor>&)> build;
  std::function<Expected(const Values& inputs)> reference;
  // On a chip (every_mode_test's N-core columns) every rank runs `build` on its own copy of
  // the tensors with its own inputs. Collectives span the ranks: then out's shape on n cores
  // and what rank r's out holds come from these two (unset: out.shape, and reference() of
  // rank r's inputs, as for an op every rank computes alone).
  std::function<std::vector<uint64_t>(uint32_t cores)> chip_out_shape;
  std::function<Expected(const std::vector<Values>& ranks, uint32_t rank)> chip_reference;

  std::string name() const;  // gtest-safe: what_variant_dtype_shape
};

// Every case: single data ops (op_cases_ops.cpp) and the standard kernels
// (op_cases_kernels.cpp).
std::vector<OpCase> op_cases();
std::vector<OpCase> single_op_cases();
std::vector<OpCase> kernel_cases();

// Builds a case's program for one NeuronCore, with its tensors declared in a fixed order
// (inputs, then "out").
isa::Executable build_case(const OpCase& c, const arch::ChipConfig& chip);
// The same SPMD on `cores` cores (kernels::ChipBuilder): rank r's tensors are private, named
// "<name>[r]" (its out: "out[r]").
isa::Executable build_case_chip(const OpCase& c, const arch::ChipConfig& chip, uint32_t cores);
// The case's inputs for `seed`, rounded to their dtypes.
Values case_inputs(const OpCase& c, uint64_t seed);
// Rank r's inputs on a chip: case_inputs with seed + r.
std::vector<Values> chip_inputs(const OpCase& c, uint64_t seed, uint32_t cores);
// What every rank's out holds on `cores` cores, rank after rank.
Expected chip_expected(const OpCase& c, const std::vector<Values>& ranks);

}  // namespace npulab::kernels::test
