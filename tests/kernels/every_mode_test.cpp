// Every case of the op/kernel table (op_cases.h) in every mode, as ggml's test-backend-ops runs
// every op on every backend. A mode is one column: how the case's program is run, and what that
// run must agree on.
//   functional_1core   values against the case's independent reference, race detector on;
//   timing_only_1core  the same program without values: exactly the functional run's simulated
//                      time and instruction count;
//   functional_3core   the case SPMD on 3 cores of the chip (kernels::ChipBuilder), each rank
//                      with its own inputs: every rank's values (collectives span the ranks:
//                      OpCase::chip_reference), race detector on across the cores;
//   timing_only_3core  exactly functional_3core's time and instruction count.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "isa/opcode_table.h"
#include "kernels/host_io.h"
#include "op_cases.h"
#include "test_util.h"

namespace npulab::kernels::test {
namespace {

struct ModeRun {
  sim::SimResult result;
  std::vector<float> out;  // empty in timing-only runs; on a chip every rank's, rank after rank
};

struct ModeColumn {
  const char* name;
  ModeRun (*run)(const OpCase&);
  Expected (*expected)(const OpCase&);  // what "out" must hold; null: values not checked
  int same_time_as = -1;                // total_ns and instrs equal those of this mode's run
};

constexpr uint64_t kSeed = 7;
constexpr uint32_t kChipCores = 3;  // odd: no power-of-two accident in collective chunks

ModeRun run_functional_1core(const OpCase& c) {
  const isa::Executable exe = build_case(c, trn2());
  RunOut r = run(exe, case_inputs(c, kSeed));
  return {r.result, r.outputs.at("out")};
}

ModeRun run_timing_only_1core(const OpCase& c) { return {run_timing(build_case(c, trn2())), {}}; }

ModeRun run_functional_chip(const OpCase& c) {
  const isa::Executable exe = build_case_chip(c, trn2(), kChipCores);
  const std::vector<Values> ranks = chip_inputs(c, kSeed, kChipCores);
  std::map<std::string, std::vector<float>> in;
  for (uint32_t r = 0; r < kChipCores; ++r)
    for (const auto& [name, v] : ranks[r]) in[name + "[" + std::to_string(r) + "]"] = v;
  RunOut out = run(exe, in);
  ModeRun m{out.result, {}};
  for (uint32_t r = 0; r < kChipCores; ++r) {
    const auto& o = out.outputs.at("out[" + std::to_string(r) + "]");
    m.out.insert(m.out.end(), o.begin(), o.end());
  }
  return m;
}

ModeRun run_timing_only_chip(const OpCase& c) { return {run_timing(build_case_chip(c, trn2(), kChipCores)), {}}; }

Expected expected_1core(const OpCase& c) { return c.reference(case_inputs(c, kSeed)); }
Expected expected_chip(const OpCase& c) { return chip_expected(c, chip_inputs(c, kSeed, kChipCores)); }

const std::vector<ModeColumn>& modes() {
  static const std::vector<ModeColumn> m = {
      {"functional_1core", run_functional_1core, expected_1core, -1},
      {"timing_only_1core", run_timing_only_1core, nullptr, 0},
      {"functional_3core", run_functional_chip, expected_chip, -1},
      {"timing_only_3core", run_timing_only_chip, nullptr, 2},
  };
  return m;
}

struct Param {
  size_t c, m;  // indices into op_cases() and modes()
};

const std::vector<OpCase>& cases() {
  static const std::vector<OpCase> c = op_cases();
  return c;
}

std::vector<Param> all_params() {
  std::vector<Param> p;
  for (size_t c = 0; c < cases().size(); ++c)
    for (size_t m = 0; m < modes().size(); ++m) p.push_back({c, m});
  return p;
}

class EveryMode : public ::testing::TestWithParam<Param> {};

TEST_P(EveryMode, Run) {
  const OpCase& c = cases()[GetParam().c];
  const ModeColumn& mode = modes()[GetParam().m];
  const ModeRun r = mode.run(c);
  EXPECT_GT(r.result.total_ns, 0);
  EXPECT_TRUE(r.result.races.empty()) << r.result.races.front().message;
  if (mode.expected) {
    const Expected e = mode.expected(c);
    ASSERT_EQ(r.out.size(), e.want.size());
    size_t bad = 0;
    for (size_t i = 0; i < e.want.size(); ++i) {
      const double scale = e.scale.empty() ? std::fabs(e.want[i]) : e.scale[i];
      const double err = std::fabs(double(r.out[i]) - e.want[i]);
      if (!(err <= c.atol + c.rtol * scale) && bad++ < 5)  // NaN fails too
        ADD_FAILURE() << c.name() << " out[" << i << "] = " << r.out[i] << ", reference " << e.want[i]
                      << " (tolerance " << c.atol << " + " << c.rtol << " * " << scale << ")";
    }
    EXPECT_EQ(bad, 0u) << "of " << e.want.size() << " elements";
  }
  if (mode.same_time_as >= 0) {
    const ModeRun ref = modes()[size_t(mode.same_time_as)].run(c);
    EXPECT_EQ(r.result.total_ns, ref.result.total_ns);
    EXPECT_EQ(r.result.instrs, ref.result.instrs);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, EveryMode, ::testing::ValuesIn(all_params()),
                         [](const ::testing::TestParamInfo<Param>& p) {
                           return cases()[p.param.c].name() + "__" + modes()[p.param.m].name;
                         });

// A data opcode writes a tensor operand (control opcodes - nop, registers, branches, reg_load -
// write none). Every one must run in some case of the table, so a new instruction gets every
// mode's checks by adding its case.
bool is_data_opcode(const isa::OpInfo& info) {
  for (int i = 0; i < info.num_operands; ++i)
    if (info.operands[i].access != isa::Access::R) return true;
  return false;
}

TEST(EveryModeTable, CoversEveryDataOpcode) {
  std::set<isa::Opcode> seen;
  for (const OpCase& c : cases()) {
    const isa::Executable exe = build_case(c, trn2());
    for (const auto& core : exe.cores)
      for (const auto& stream : core.streams)
        for (const auto& in : stream) seen.insert(in.op);
  }
  for (size_t i = 0; i < size_t(isa::Opcode::kCount); ++i) {
    const auto op = isa::Opcode(i);
    if (!is_data_opcode(isa::op_info(op))) continue;
    EXPECT_TRUE(seen.count(op)) << isa::op_info(op).name
                                << " is in no case of tests/kernels/op_cases_*.cpp: add one (shape, dtype, tolerance, reference)";
  }
}

TEST(EveryModeTable, CaseNamesAreUniqueAndEveryCaseNamesItsOp) {
  std::set<std::string> names;
  for (const OpCase& c : cases()) {
    EXPECT_TRUE(names.insert(c.name()).second) << "duplicate case " << c.name();
    const bool kernel = !isa::parse_opcode(c.what).has_value();
    if (kernel) continue;  // a kernel case: any mix of opcodes
    bool found = false;
    const isa::Executable exe = build_case(c, trn2());
    for (const auto& s : exe.cores[0].streams)
      for (const auto& in : s) found |= isa::op_info(in.op).name == c.what;
    EXPECT_TRUE(found) << c.name() << " does not emit " << c.what;
  }
}

}  // namespace
}  // namespace npulab::kernels::test
