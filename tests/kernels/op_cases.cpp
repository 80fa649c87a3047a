#include "op_cases.h"

#include <fmt/format.h>

#include "kernels/host_io.h"

namespace npulab::kernels::test {

std::string OpCase::name() const {
  std::string s = what + (variant.empty() ? "" : "_" + variant) + "_" + std::string(dtype_name(dtype));
  for (size_t i = 0; i < shape.size(); ++i) s += fmt::format("{}{}", i ? "x" : "_", shape[i]);
  return s;
}

std::vector<OpCase> op_cases() {
  std::vector<OpCase> all = single_op_cases();
  for (auto& c : kernel_cases()) all.push_back(std::move(c));
  return all;
}

isa::Executable build_case(const OpCase& c, const arch::ChipConfig& chip) {
  Builder b(chip, c.name());
  std::map<std::string, HbmTensor> t;
  for (const auto& in : c.inputs) t[in.name] = b.input(in.name, in.dtype, in.shape);
  t["out"] = b.output("out", c.out.dtype, c.out.shape);
  c.build(b, t);
  return b.finish();
}

Values case_inputs(const OpCase& c, uint64_t seed) {
  Values v;
  for (const auto& in : c.inputs) {
    uint64_t n = 1;
    for (uint64_t d : in.shape) n *= d;
    const uint64_t s = seed * 131 + v.size();
    v[in.name] = rounded(in.dtype, in.values ? in.values(n, s) : random_values(n, s, -2.0f, 2.0f));
  }
  return v;
}

}  // namespace npulab::kernels::test
