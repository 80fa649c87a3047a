// Host speed of the simulated tensor engine's functional path:
//  - Kernel/*: the exact-order FP32 matmul kernel alone (one 128x128x512 tile), AVX2 vs scalar.
//  - SemMatmul: one matmul instruction end to end (BF16 SBUF operands decoded, PSUM
//    accumulate read/written).
//  - Gemm2048: a 2048^3 BF16 GEMM as 1024 matmul instructions (M tile 128, N tile 512,
//    K step 128, accumulate over K in PSUM) against OpenBLAS sgemm of the same size in the
//    same run (issue 2 goal: at most 3x slower).
// Counters report GFLOPS (2*M*N*K per second of host time).
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <random>
#include <vector>

#include "sim/exec.h"
#include "sim/kernels_host/matmul_f32.h"
#include "sim/memory.h"
#include "sim/semantics.h"

namespace {

using namespace npulab;

std::vector<float> rand_vec(size_t n) {
  std::mt19937 g(1);
  std::uniform_real_distribution<float> d(-1, 1);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

void kernel_bench(benchmark::State& st, sim::host::MatmulImpl impl) {
  const int M = 128, N = 512, K = 128;
  auto A = rand_vec(K * M), B = rand_vec(K * N), C = rand_vec(M * N);
  for (auto _ : st) {
    sim::host::matmul_f32(A.data(), M, B.data(), N, C.data(), N, M, N, K, true, impl);
    benchmark::DoNotOptimize(C.data());
  }
  st.counters["GFLOPS"] = benchmark::Counter(2.0 * M * N * K * st.iterations(), benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}
void BM_Kernel_Avx2(benchmark::State& st) {
  if (!sim::host::matmul_avx2_available()) return st.SkipWithError("no AVX2+FMA");
  kernel_bench(st, sim::host::MatmulImpl::Avx2);
}
void BM_Kernel_Scalar(benchmark::State& st) { kernel_bench(st, sim::host::MatmulImpl::Scalar); }
BENCHMARK(BM_Kernel_Avx2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Kernel_Scalar)->Unit(benchmark::kMillisecond)->Iterations(3);

// A core with its SBUF holding BF16 random tiles: stationary tiles at partition-row offset 0
// (16 K-steps x 128 cols each), moving tiles after them.
struct Core {
  sim::Scratchpad sbuf{128, 192 * 1024, true};
  sim::Scratchpad psum{128, 16 * 1024, true};
  sim::Hbm hbm{1 << 20, true};
  std::vector<int64_t> regs = std::vector<int64_t>(8, 0);
  Core() {
    std::mt19937 g(2);
    std::uniform_int_distribution<int> d(0x3C00, 0x3FFF);  // BF16 values in [2^-7, 2)
    for (uint32_t p = 0; p < 128; ++p) {
      auto* row = reinterpret_cast<uint16_t*>(sbuf.row(p));
      for (size_t i = 0; i < sbuf.bytes_per_partition() / 2; ++i) row[i] = uint16_t(d(g));
    }
  }
  sim::ExecCtx ctx() {
    sim::ExecCtx c;
    c.mem = {&sbuf, &psum, &hbm};
    c.regs = regs;
    return c;
  }
};

isa::TensorRef tile(isa::Space s, DType dt, uint16_t parts, uint32_t free, uint64_t off) {
  isa::TensorRef r;
  r.space = s;
  r.dtype = dt;
  r.part_count = parts;
  r.ndim = 1;
  r.dims[0] = {1, free};
  r.offset = off;
  return r;
}

void BM_SemMatmul_Bf16_128x128x512(benchmark::State& st) {
  Core core;
  auto ctx = core.ctx();
  isa::Instr in;
  in.op = isa::Opcode::matmul;
  in.t[0] = tile(isa::Space::Psum, DType::F32, 128, 512, 0);
  in.t[1] = tile(isa::Space::Sbuf, DType::BF16, 128, 128, 0);
  in.t[2] = tile(isa::Space::Sbuf, DType::BF16, 128, 512, 4096);
  in.flags = isa::F_START;
  sim::sem_matmul(in, ctx);
  in.flags = 0;
  for (auto _ : st) sim::sem_matmul(in, ctx);
  st.counters["GFLOPS"] = benchmark::Counter(2.0 * 128 * 128 * 512 * st.iterations(), benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_SemMatmul_Bf16_128x128x512)->Unit(benchmark::kMicrosecond);

// 2048^3: for each 128-row M tile and 512-col N tile, 16 accumulating K steps. The operand
// tiles are reused SBUF regions (values do not matter for speed); every instruction does
// the full decode + k-ordered FMA + PSUM accumulate work.
void BM_Gemm2048_Bf16_SimInstructions(benchmark::State& st) {
  Core core;
  auto ctx = core.ctx();
  isa::Instr in;
  in.op = isa::Opcode::matmul;
  for (auto _ : st) {
    for (int mt = 0; mt < 16; ++mt)
      for (int nt = 0; nt < 4; ++nt) {
        in.t[0] = tile(isa::Space::Psum, DType::F32, 128, 512, uint64_t(nt % 4) * 2048 * 2);
        for (int kt = 0; kt < 16; ++kt) {
          in.t[1] = tile(isa::Space::Sbuf, DType::BF16, 128, 128, uint64_t(kt) * 256);
          in.t[2] = tile(isa::Space::Sbuf, DType::BF16, 128, 512, 16 * 256 + uint64_t((kt * 4 + nt) % 64) * 1024);
          in.flags = kt == 0 ? uint32_t(isa::F_START) : 0u;
          sim::sem_matmul(in, ctx);
        }
      }
  }
  st.counters["GFLOPS"] = benchmark::Counter(2.0 * 2048 * 2048 * 2048 * st.iterations(), benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_Gemm2048_Bf16_SimInstructions)->Unit(benchmark::kMillisecond)->Iterations(2);

void BM_Gemm2048_OpenBlasSgemm(benchmark::State& st) {
  const int n = 2048;
  auto A = rand_vec(size_t(n) * n), B = rand_vec(size_t(n) * n);
  std::vector<float> C(size_t(n) * n);
  for (auto _ : st) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, C.data(), n);
    benchmark::DoNotOptimize(C.data());
  }
  st.counters["GFLOPS"] = benchmark::Counter(2.0 * n * n * n * st.iterations(), benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_Gemm2048_OpenBlasSgemm)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
