// softmax, rmsnorm, layernorm, elementwise activations and transpose against the numpy
// fixtures of tests/kernels/fixtures/gen.py, each run with the race detector (zero races).
#include <gtest/gtest.h>

#include "common/error.h"
#include "isa/opcode_table.h"
#include "kernels/host_io.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace npulab::kernels {
namespace {

using test::trn2;

struct Loaded {
  std::vector<float> v;
  uint64_t rows, cols;
};
Loaded fixture(const std::string& name) {
  std::vector<uint64_t> s;
  auto v = test::load_fixture(name, &s);
  return {v, s[0], s.size() > 1 ? s[1] : 1};
}

void expect_no_races(const test::RunOut& r) {
  EXPECT_TRUE(r.result.races.empty()) << r.result.races.front().message;
}

TEST(Softmax, MatchesNumpyIncludingLargeAndTinyRows) {
  auto x = fixture("softmax_x.txt"), y = fixture("softmax_y.txt");
  Builder b(trn2(), "softmax");
  auto X = b.input("X", DType::F32, {x.rows, x.cols});
  softmax(b, X, b.output("Y", DType::F32, {x.rows, x.cols}));
  auto r = test::run(b.finish(), {{"X", x.v}});
  expect_no_races(r);
  EXPECT_TRUE(test::all_close(r.outputs["Y"], y.v, 1e-7, 2e-5));
}

TEST(Softmax, Bf16InputAndOutput) {
  auto x = fixture("softmax_x.txt"), y = fixture("softmax_y.txt");
  Builder b(trn2(), "softmax_bf16");
  auto X = b.input("X", DType::BF16, {x.rows, x.cols});
  softmax(b, X, b.output("Y", DType::BF16, {x.rows, x.cols}));
  auto xr = rounded(DType::BF16, x.v);
  auto r = test::run(b.finish(), {{"X", xr}});
  expect_no_races(r);
  // Inputs rounded to bf16 shift exp(x - max) by up to |x| * 2^-9 relative: compare rows
  // that are insensitive (the constant and the tiny-valued rows) exactly-ish, the rest loosely.
  EXPECT_TRUE(test::all_close(r.outputs["Y"], y.v, 1e-3, 0.2));
  std::vector<float> row1(r.outputs["Y"].begin() + x.cols, r.outputs["Y"].begin() + 2 * x.cols);
  std::vector<float> want1(y.v.begin() + x.cols, y.v.begin() + 2 * x.cols);
  EXPECT_TRUE(test::all_close(row1, want1, 0, 1.0 / 256));
}

TEST(RmsNorm, MatchesNumpy) {
  auto x = fixture("rmsnorm_x.txt"), g = fixture("rmsnorm_g.txt"), y = fixture("rmsnorm_y.txt");
  Builder b(trn2(), "rmsnorm");
  auto X = b.input("X", DType::F32, {x.rows, x.cols});
  rmsnorm(b, X, b.input("g", DType::F32, {x.cols}), b.output("Y", DType::F32, {x.rows, x.cols}), 1e-6f);
  auto r = test::run(b.finish(), {{"X", x.v}, {"g", g.v}});
  expect_no_races(r);
  EXPECT_TRUE(test::all_close(r.outputs["Y"], y.v, 1e-5, 2e-5));
}

TEST(LayerNorm, MatchesNumpy) {
  auto x = fixture("layernorm_x.txt"), g = fixture("layernorm_g.txt"), be = fixture("layernorm_b.txt");
  auto y = fixture("layernorm_y.txt");
  Builder b(trn2(), "layernorm");
  auto X = b.input("X", DType::F32, {x.rows, x.cols});
  layernorm(b, X, b.input("g", DType::F32, {x.cols}), b.input("b", DType::F32, {x.cols}),
            b.output("Y", DType::F32, {x.rows, x.cols}), 1e-5f);
  auto r = test::run(b.finish(), {{"X", x.v}, {"g", g.v}, {"b", be.v}});
  expect_no_races(r);
  EXPECT_TRUE(test::all_close(r.outputs["Y"], y.v, 2e-5, 2e-5));
}

class Activation : public ::testing::TestWithParam<const char*> {};

TEST_P(Activation, MatchesNumpy) {
  const std::string name = GetParam();
  auto x = fixture("act_x.txt"), y = fixture("act_" + name + "_y.txt");
  auto f = isa::parse_act(name);
  ASSERT_TRUE(f.has_value());
  Builder b(trn2(), "act_" + name);
  auto X = b.input("X", DType::F32, {x.rows, x.cols});
  activation(b, X, b.output("Y", DType::F32, {x.rows, x.cols}), *f);
  auto r = test::run(b.finish(), {{"X", x.v}});
  expect_no_races(r);
  EXPECT_TRUE(test::all_close(r.outputs["Y"], y.v, 1e-5, 1e-4));
}

INSTANTIATE_TEST_SUITE_P(Funcs, Activation,
                         ::testing::Values("exp", "tanh", "sigmoid", "relu", "gelu", "gelu_tanh", "silu", "square"));

TEST(Transpose, ExactForF32AndBf16) {
  auto x = fixture("transpose_x.txt"), y = fixture("transpose_y.txt");
  for (DType t : {DType::F32, DType::BF16}) {
    Builder b(trn2(), "transpose");
    auto X = b.input("X", t, {x.rows, x.cols});
    transpose(b, X, b.output("Y", t, {x.cols, x.rows}));
    auto r = test::run(b.finish(), {{"X", x.v}});
    expect_no_races(r);
    EXPECT_EQ(r.outputs["Y"], y.v) << dtype_name(t);
  }
}

TEST(Kernels, ShapeErrorsAreClear) {
  Builder b(trn2(), "bad");
  auto X = b.input("X", DType::F32, {4, 8});
  auto Y = b.output("Y", DType::F32, {4, 9});
  EXPECT_THROW(softmax(b, X, Y), Error);
  auto W = b.output("W", DType::F32, {4, 8});
  EXPECT_THROW(transpose(b, X, W), Error);
}

}  // namespace
}  // namespace npulab::kernels
