// GEMM benchmarks (results: docs/PERFORMANCE.md):
//  - functional simulation of a 2048^3 BF16 GEMM built by kernels::gemm, in host seconds
//    (arguments: n, A layout 0 = MK / 1 = KM, chip helper thread 1 = on / 0 = off),
//  - OpenBLAS cblas_sgemm of the same size in the same run (the goal: simulation <= 3x),
//  - timing-only simulation rate in simulated instructions per host second (goal >= 5M/s).
#include <benchmark/benchmark.h>
#include <cblas.h>

#include "arch/chip.h"
#include "kernels/gemm.h"
#include "kernels/host_io.h"
#include "sim/simulator.h"

namespace {
using namespace npulab;

const arch::ChipConfig& chip() {
  static const arch::ChipConfig c = arch::load_chip_by_name("trn2");
  return c;
}

isa::Executable build(uint64_t n, DType in, kernels::ALayout lay) {
  kernels::Builder b(chip(), "bench_gemm");
  auto A = b.input("A", in, {n, n});
  auto B = b.input("B", in, {n, n});
  auto C = b.output("C", DType::BF16, {n, n});
  kernels::GemmOptions o;
  o.a_layout = lay;
  kernels::gemm(b, A, B, C, o);
  return b.finish();
}

void BM_SimGemmFunctional(benchmark::State& st) {
  const uint64_t n = uint64_t(st.range(0));
  const auto lay = st.range(1) ? kernels::ALayout::KM : kernels::ALayout::MK;
  sim::ChipOptions co;
  co.helper_thread = st.range(2) != 0;
  auto exe = build(n, DType::BF16, lay);
  auto a = kernels::random_values(n * n, 1), bv = kernels::random_values(n * n, 2);
  sim::SimOptions o;
  o.check_races = false;
  for (auto _ : st) {
    sim::Chip c(chip(), sim::Mode::Functional, co);
    kernels::write_tensor(c.hbm(), kernels::find_tensor(exe, "A"), a);
    kernels::write_tensor(c.hbm(), kernels::find_tensor(exe, "B"), bv);
    auto r = c.run(exe, o);
    benchmark::DoNotOptimize(r.total_ns);
  }
  st.counters["instrs"] = double(exe.num_instrs());
}
BENCHMARK(BM_SimGemmFunctional)->Args({2048, 0, 1})->Args({2048, 1, 1})->Args({2048, 0, 0})->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

void BM_OpenBlasSgemm(benchmark::State& st) {
  const int n = int(st.range(0));
  auto a = kernels::random_values(uint64_t(n) * n, 1), b = kernels::random_values(uint64_t(n) * n, 2);
  std::vector<float> c(size_t(n) * n);
  for (auto _ : st) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
}
BENCHMARK(BM_OpenBlasSgemm)->Arg(2048)->Unit(benchmark::kSecond)->Iterations(3)->UseRealTime();

void BM_SimGemmTimingOnly(benchmark::State& st) {
  const uint64_t n = uint64_t(st.range(0));
  auto exe = build(n, DType::BF16, kernels::ALayout::MK);
  sim::SimOptions o;
  o.mode = sim::Mode::TimingOnly;
  o.check_races = false;
  uint64_t instrs = 0;
  sim::Chip c(chip(), sim::Mode::TimingOnly);  // one chip, many runs: measures the run itself
  for (auto _ : st) instrs += c.run(exe, o).instrs;
  st.counters["sim_instrs_per_s"] = benchmark::Counter(double(instrs), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SimGemmTimingOnly)->Arg(4096)->Arg(8192)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
