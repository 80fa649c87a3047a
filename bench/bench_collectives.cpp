// Host speed of the chip's collectives (docs/PERFORMANCE.md, "Collectives"):
//  - BM_AllReduceFunctional/<ranks>/<KiB>: a functional f32 all-reduce of a <KiB> message
//    among <ranks> cores (the collective engine reads every rank's source, reduces in FP32,
//    writes every destination); counter bytes_per_second = message bytes x ranks per host s;
//  - BM_AllReduceLoopTimingOnly/<ranks>: timing-only, every core runs a register loop of
//    1000 4 KiB all-reduces (rendezvous, plan, steps through the bandwidth model);
//    counter items_per_second = collectives per host second.
#include <benchmark/benchmark.h>

#include "arch/chip.h"
#include "kernels/chip_builder.h"
#include "kernels/host_io.h"
#include "sim/simulator.h"

namespace {
using namespace npulab;

const arch::ChipConfig& chip() {
  static const arch::ChipConfig c = arch::load_chip_by_name("trn2");
  return c;
}

void BM_AllReduceFunctional(benchmark::State& st) {
  const uint32_t n = uint32_t(st.range(0));
  const uint64_t elems = uint64_t(st.range(1)) * 1024 / 4;
  kernels::ChipBuilder cb(chip(), "ar", n);
  auto X = cb.private_input("x", DType::F32, {1, elems});
  auto Y = cb.private_output("y", DType::F32, {1, elems});
  std::vector<isa::TensorRef> d, s;
  for (uint32_t r = 0; r < n; ++r) {
    d.push_back(Y[r].view(0, 1, 0, uint32_t(elems)));
    s.push_back(X[r].view(0, 1, 0, uint32_t(elems)));
  }
  cb.all_reduce(d, s);
  const isa::Executable exe = cb.finish();
  sim::Chip c(chip(), sim::Mode::Functional);
  for (uint32_t r = 0; r < n; ++r) kernels::write_tensor(c.hbm(), X[r].decl(), kernels::random_values(elems, r));
  const sim::PreparedProgram prog = c.prepare(exe);
  sim::SimOptions o;
  o.check_races = false;
  for (auto _ : st) benchmark::DoNotOptimize(c.run(prog, o).total_ns);
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(elems * 4 * n));
}
BENCHMARK(BM_AllReduceFunctional)->Args({2, 1024})->Args({8, 1024})->Args({8, 16384})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_AllReduceLoopTimingOnly(benchmark::State& st) {
  const uint32_t n = uint32_t(st.range(0));
  const int64_t count = 1000;
  kernels::ChipBuilder cb(chip(), "ar_loop", n);
  auto X = cb.private_scratch("x", DType::F32, {1, 1024});
  cb.spmd([&](kernels::Builder& b, uint32_t r) {
    b.loop(count, {}, [&](const kernels::LoopVar&) { b.all_reduce(X[r].view(0, 1, 0, 1024), X[r].view(0, 1, 0, 1024)); });
  });
  const isa::Executable exe = cb.finish();
  sim::Chip c(chip(), sim::Mode::TimingOnly);
  const sim::PreparedProgram prog = c.prepare(exe);
  sim::SimOptions o;
  o.check_races = false;
  for (auto _ : st) benchmark::DoNotOptimize(c.run(prog, o).total_ns);
  st.SetItemsProcessed(int64_t(st.iterations()) * count);
}
BENCHMARK(BM_AllReduceLoopTimingOnly)->Arg(2)->Arg(8)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
