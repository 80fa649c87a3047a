// The chip's collectives against the independent numpy reference
// (tests/kernels/fixtures/gen_collectives.py -> collectives.json): every case built with
// kernels::ChipBuilder on its number of cores (2..8), run functionally with the race
// detector on, every rank's destination compared bit for bit.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <bit>
#include <fstream>

#include "isa/opcode_table.h"
#include "kernels/chip_builder.h"
#include "test_util.h"

namespace npulab::kernels {
namespace {

using json = nlohmann::json;

json load_cases() {
  const std::string path = std::string(NPULAB_SOURCE_DIR) + "/tests/kernels/fixtures/collectives.json";
  std::ifstream f(path);
  if (!f) throw std::runtime_error("missing fixture " + path + " (run tests/kernels/fixtures/gen_collectives.py)");
  return json::parse(f);
}

isa::Executable program(const json& c) {
  const uint32_t n = c["ranks"];
  const DType t = *parse_dtype(c["dtype"].get<std::string>());
  const isa::AluOp alu = *isa::parse_alu(c["alu"].get<std::string>());
  const auto src = c["src"].get<std::vector<uint64_t>>(), dst = c["dst"].get<std::vector<uint64_t>>();
  const std::string op = c["op"];
  ChipBuilder cb(test::trn2(), op, n);
  auto X = cb.private_input("x", t, src);
  auto Y = cb.private_output("y", t, dst);
  cb.spmd([&](Builder& b, uint32_t r) {
    const auto d = Y[r].view(0, uint32_t(dst[0]), 0, uint32_t(dst[1]));
    const auto s = X[r].view(0, uint32_t(src[0]), 0, uint32_t(src[1]));
    if (op == "all_reduce") b.all_reduce(d, s, alu);
    else if (op == "reduce_scatter") b.reduce_scatter(d, s, alu);
    else if (op == "all_gather") b.all_gather(d, s);
    else b.all_to_all(d, s);
  });
  return cb.finish();
}

TEST(CollectiveFixtures, EveryRankMatchesTheNumpyReferenceExactly) {
  const json cases = load_cases();
  ASSERT_GE(cases.size(), 50u);
  for (const json& c : cases) {
    const uint32_t n = c["ranks"];
    const std::string what = fmt::format("{} {} {} on {} cores", c["op"].get<std::string>(),
                                         c["alu"].get<std::string>(), c["dtype"].get<std::string>(), n);
    std::map<std::string, std::vector<float>> in;
    for (uint32_t r = 0; r < n; ++r) in[fmt::format("x[{}]", r)] = c["x"][r].get<std::vector<float>>();
    const test::RunOut out = test::run(program(c), in);
    ASSERT_TRUE(out.result.races.empty()) << what << ": " << out.result.races[0].message;
    for (uint32_t r = 0; r < n; ++r) {
      const auto want = c["want"][r].get<std::vector<float>>();
      const auto& got = out.outputs.at(fmt::format("y[{}]", r));
      ASSERT_EQ(got.size(), want.size()) << what;
      for (size_t i = 0; i < want.size(); ++i)
        ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want[i]))
            << what << ", rank " << r << ", element " << i << ": " << got[i] << " vs numpy " << want[i];
    }
  }
}

}  // namespace
}  // namespace npulab::kernels
