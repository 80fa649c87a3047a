// The matmul helper thread belongs to its sim::Chip (sim::ChipOptions), not the process:
// chips simulating at the same time from several host threads each use their own, and the
// result is bit for bit that of a chip without one.
#include <gtest/gtest.h>

#include <thread>

#include "kernels/gemm.h"
#include "kernels/host_io.h"
#include "test_util.h"

namespace npulab::kernels {
namespace {

struct Gemm {
  isa::Executable exe;
  std::vector<float> a, b;
};

// 256 x 512 x 512 FP32: each 128 x 512 x 128 matmul has 2^23 multiply-adds, above the
// helper thread's threshold, so the columns are split when a helper is there.
Gemm make_gemm() {
  Builder b(test::trn2(), "helper_gemm");
  const uint64_t M = 256, N = 512, K = 512;
  auto A = b.input("A", DType::F32, {M, K});
  auto B = b.input("B", DType::F32, {K, N});
  auto C = b.output("C", DType::F32, {M, N});
  gemm(b, A, B, C, {});
  return {b.finish(), random_values(M * K, 5), random_values(K * N, 6)};
}

std::vector<float> run_on(const Gemm& g, const sim::ChipOptions& opts) {
  sim::Chip chip(test::trn2(), sim::Mode::Functional, opts);
  write_tensor(chip.hbm(), find_tensor(g.exe, "A"), g.a);
  write_tensor(chip.hbm(), find_tensor(g.exe, "B"), g.b);
  sim::SimOptions o;
  o.check_races = false;
  chip.run(g.exe, o);
  return read_tensor(chip.hbm(), find_tensor(g.exe, "C"));
}

TEST(ChipHelperThread, ConcurrentChipsEachWithAHelperMatchOneThread) {
  const Gemm g = make_gemm();
  sim::ChipOptions off;
  off.helper_thread = false;
  const std::vector<float> want = run_on(g, off);
  std::vector<float> got[3];
  {
    std::thread t1([&] { got[0] = run_on(g, {}); });
    std::thread t2([&] { got[1] = run_on(g, {}); });
    got[2] = run_on(g, {});
    t1.join();
    t2.join();
  }
  for (const auto& v : got) {
    ASSERT_EQ(v.size(), want.size());
    for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], want[i]) << "element " << i;
  }
}

}  // namespace
}  // namespace npulab::kernels
