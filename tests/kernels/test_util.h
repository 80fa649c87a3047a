// Shared helpers for the kernel tests: the chip, running a built executable on the
// simulator with host data, and fixture files written by tests/kernels/fixtures/gen.py.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "arch/chip.h"
#include "kernels/builder.h"
#include "sim/simulator.h"

#include "../error_of.h"

namespace npulab::kernels::test {

const arch::ChipConfig& trn2();

struct RunOut {
  sim::SimResult result;
  std::map<std::string, std::vector<float>> outputs;  // every Output tensor, as FP32
};
// Run `exe` functionally with the given inputs (by tensor name); race detector on.
RunOut run(const isa::Executable& exe, const std::map<std::string, std::vector<float>>& inputs,
           const arch::ChipConfig& chip = trn2());
sim::SimResult run_timing(const isa::Executable& exe, const arch::ChipConfig& chip = trn2());

// Fixture: whitespace-separated floats after a header line "shape d0 d1 ...".
std::vector<float> load_fixture(const std::string& name, std::vector<uint64_t>* shape = nullptr);

// The message of the npulab::Error that f throws ("" if it throws none).
using test_support::error_of;

// max |a-b| <= atol + rtol*|b| elementwise, reporting the worst element.
::testing::AssertionResult all_close(const std::vector<float>& got, const std::vector<float>& want, double atol,
                                     double rtol);

}  // namespace npulab::kernels::test
