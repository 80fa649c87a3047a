// Timing-only simulation speed (issue 2: >= 5 M simulated instructions per host second).
// Results: docs/PERFORMANCE.md. Each benchmark builds its program once outside the timed
// loop and times only sim::Chip::run; the second argument says whether each run validates
// and prepares the program (0) or runs a sim::PreparedProgram made once (1).
//  - BM_TimingOnlyGemm: a BF16 GEMM program from kernels::gemm on trn2 (arg: M = N = K);
//  - BM_TimingOnlyManyDma: a synthetic program that keeps `queues` DMA queues of one core
//    busy with transfers of mixed sizes and directions (the fluid bandwidth model's worst
//    case: every start and finish changes the set of active transfers).
// Counter items_per_second = simulated instructions per host second.
#include <benchmark/benchmark.h>

#include <cstring>
#include <fstream>
#include <string>

#include "arch/chip.h"
#include "isa/asm.h"
#include "kernels/gemm.h"
#include "sim/simulator.h"

namespace {
using namespace npulab;

const arch::ChipConfig& chip() {
  static const arch::ChipConfig c = arch::load_chip_by_name("trn2");
  return c;
}

isa::Executable gemm_program(uint64_t n) {
  kernels::Builder b(chip(), "bench_sim_gemm");
  auto A = b.input("A", DType::BF16, {n, n});
  auto B = b.input("B", DType::BF16, {n, n});
  auto C = b.output("C", DType::BF16, {n, n});
  kernels::gemm(b, A, B, C, kernels::GemmOptions{});
  return b.finish();
}

isa::TensorRef ref(isa::Space sp, uint32_t rows, uint32_t cols, uint64_t offset) {
  isa::TensorRef r;
  r.space = sp;
  r.dtype = DType::U8;
  r.ndim = 1;
  r.part_count = uint16_t(rows);
  r.part_stride = sp == isa::Space::Hbm ? int64_t(cols) : 0;
  r.offset = offset;
  r.dims[0] = {1, cols};
  return r;
}

// `queues` DMA queues with `per_queue` independent transfers each: 128 partitions x
// 512..1408 bytes, two loads then a store, every queue in its own SBUF/HBM region.
isa::Executable many_dma_program(uint32_t queues, uint32_t per_queue) {
  isa::Executable exe;
  exe.name = "bench_sim_many_dma";
  exe.cores.resize(1);
  exe.cores[0].streams.resize(isa::dma_stream(queues));
  for (uint32_t q = 0; q < queues; ++q)
    for (uint32_t i = 0; i < per_queue; ++i) {
      const uint32_t cols = 512 + ((q * 7 + i * 13) % 8) * 128;
      const isa::TensorRef s = ref(isa::Space::Sbuf, 128, cols, uint64_t(q) * 1536);
      const isa::TensorRef h = ref(isa::Space::Hbm, 128, cols, (uint64_t(q) * per_queue + i) * 128 * 1536);
      isa::Instr in;
      in.op = isa::Opcode::dma_copy;
      const bool store = (i + q) % 3 == 2;
      in.t[0] = store ? h : s;
      in.t[1] = store ? s : h;
      exe.cores[0].streams[isa::dma_stream(q)].push_back(in);
    }
  return exe;
}

// prepared = false: each iteration is Chip::run(exe) (validation and the scheduler's
// per-instruction precomputation included, as for a program run once); true: the program
// is prepared once (Chip::prepare) and each iteration runs it (as for a program run many
// times, e.g. an LLM decode step).
void run_timing_only(benchmark::State& st, const isa::Executable& exe, bool prepared) {
  sim::SimOptions o;
  o.mode = sim::Mode::TimingOnly;
  o.check_races = false;
  sim::Chip c(chip(), sim::Mode::TimingOnly);  // one chip, many runs: measures the run itself
  const sim::PreparedProgram prog = c.prepare(exe);
  uint64_t instrs = 0;
  for (auto _ : st) {
    const sim::SimResult r = prepared ? c.run(prog, o) : c.run(exe, o);
    instrs += r.instrs;
    benchmark::DoNotOptimize(r.total_ns);
  }
  st.SetItemsProcessed(int64_t(instrs));
  st.counters["instrs_per_run"] = double(instrs) / double(st.iterations());
}

void BM_TimingOnlyGemm(benchmark::State& st) {
  const isa::Executable exe = gemm_program(uint64_t(st.range(0)));
  run_timing_only(st, exe, st.range(1) != 0);
}
BENCHMARK(BM_TimingOnlyGemm)->Args({4096, 0})->Args({4096, 1})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_TimingOnlyManyDma(benchmark::State& st) {
  const isa::Executable exe = many_dma_program(uint32_t(st.range(0)), 4096 / uint32_t(st.range(0)) * 8);
  run_timing_only(st, exe, st.range(1) != 0);
}
BENCHMARK(BM_TimingOnlyManyDma)
    ->ArgsProduct({{16, 32, 128}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

// `bench_sim --write-gemm-fixture <n> <path>` writes the n^3 GEMM program as assembly: the
// fixtures of tests/sim/perf_pinned_results_test.cpp (test_sim cannot link kernels).
int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--write-gemm-fixture") == 0) {
    std::ofstream(argv[3]) << isa::print_executable(gemm_program(std::stoull(argv[2])));
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
