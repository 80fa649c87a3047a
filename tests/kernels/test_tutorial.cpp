// The tutorial kernel of docs/KERNELS.md compiles, runs race-free and computes its definition.
#include <gtest/gtest.h>

#include "../../examples/kernels/scaled_relu.h"
#include "test_util.h"

namespace npulab::kernels {
namespace {

TEST(Tutorial, ScaledReluRunsAndIsCorrect) {
  const uint64_t R = 300;
  const uint32_t C = 64;
  auto exe = example::scaled_relu(test::trn2(), R, C, 0.5f);
  std::vector<float> x(R * C);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(int(i % 13) - 6);
  auto r = test::run(exe, {{"X", x}});
  EXPECT_TRUE(r.result.races.empty());
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(r.outputs["Y"][i], std::max(x[i] * 0.5f, 0.0f) + 1.0f) << i;
  // Load of tile i+1 does not wait for the compute of tile i: only the set reuse and the
  // tile reuse two iterations back order it.
  EXPECT_GT(r.result.total_ns, 0);
}

}  // namespace
}  // namespace npulab::kernels
