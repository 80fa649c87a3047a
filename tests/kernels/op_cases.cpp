#include "op_cases.h"

#include <fmt/format.h>

#include <cmath>

#include "kernels/chip_builder.h"
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

isa::Executable build_case_chip(const OpCase& c, const arch::ChipConfig& chip, uint32_t cores) {
  ChipBuilder cb(chip, c.name(), cores);
  std::map<std::string, std::vector<HbmTensor>> per;
  for (const auto& in : c.inputs) per[in.name] = cb.private_input(in.name, in.dtype, in.shape);
  per["out"] = cb.private_output("out", c.out.dtype, c.chip_out_shape ? c.chip_out_shape(cores) : c.out.shape);
  cb.spmd([&](Builder& b, uint32_t r) {
    std::map<std::string, HbmTensor> t;
    for (const auto& [name, v] : per) t[name] = v[r];
    c.build(b, t);
  });
  return cb.finish();
}

std::vector<Values> chip_inputs(const OpCase& c, uint64_t seed, uint32_t cores) {
  std::vector<Values> v;
  for (uint32_t r = 0; r < cores; ++r) v.push_back(case_inputs(c, seed + r));
  return v;
}

Expected chip_expected(const OpCase& c, const std::vector<Values>& ranks) {
  Expected all;  // scale spelled out for every element (a rank's empty scale means |want|)
  for (uint32_t r = 0; r < ranks.size(); ++r) {
    const Expected e = c.chip_reference ? c.chip_reference(ranks, r) : c.reference(ranks[r]);
    for (size_t i = 0; i < e.want.size(); ++i) {
      all.want.push_back(e.want[i]);
      all.scale.push_back(e.scale.empty() ? std::fabs(e.want[i]) : e.scale[i]);
    }
  }
  return all;
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
