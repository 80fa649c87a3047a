// GEMM time: wave quantization of output tiles over the SMs (docs/GPU.md, "GEMM").
#include <algorithm>
#include <cmath>
#include <limits>

#include "gpu/op_model.h"

namespace npulab::gpu {
namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Seconds of the compute part with one tile shape.
double tile_compute_s(int64_t m, int64_t n, int64_t k, int64_t tm, int64_t tn, int64_t sms, double sm_flops) {
  const int64_t tiles = ceil_div(m, tm) * ceil_div(n, tn);
  // Split-K: a grid smaller than the SMs splits K so that idle SMs share the work (each
  // part a full tile over K / split); the partial sums' reduction is not counted.
  const int64_t split = tiles < sms ? sms / tiles : 1;
  const int64_t waves = ceil_div(tiles * split, sms);
  return double(waves) * 2.0 * double(tm) * double(tn) * (double(k) / double(split)) / sm_flops;
}

}  // namespace

double gemm_ns(const GpuModel& g, int64_t m, int64_t n, int64_t k, DType weight, DType act) {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  const auto& p = g.cal.gemm;
  const int64_t sms = g.gpu.sms;
  const double sm_flops = g.gpu.matmul_flops(weight) * p.compute_efficiency / double(sms);
  double compute = std::numeric_limits<double>::infinity();
  for (int64_t tm = p.tile_m; tm >= 16 && tm * 2 > int64_t(p.tile_m) / 2; tm /= 2)
    for (int64_t tn = p.tile_n; tn >= 16 && tn * 4 >= int64_t(p.tile_n); tn /= 2)
      compute = std::min(compute, tile_compute_s(m, n, k, tm, tn, sms, sm_flops));
  const double a = double(dtype_size(act)), w = double(dtype_size(weight));
  const double bytes = double(m) * double(k) * a + double(k) * double(n) * w + double(m) * double(n) * a;
  const double memory = bytes / (g.gpu.hbm_bytes_per_s() * p.memory_efficiency);
  return p.launch_us * 1e3 + std::max(compute, memory) * 1e9;
}

}  // namespace npulab::gpu
