// GPUs as data, the other kind of hardware npulab models: a GPU description
// (hw/gpu/<name>.toml -> GpuSpec), a system of GPUs on one board (hw/systems/<name>.toml ->
// GpuSystem) and the fitted parameters of the GPU operator model (hw/gpu/calibration/<name>.toml
// -> GpuCalibration; src/gpu uses them, docs/GPU.md defines each). Found by name on the same
// search path as the chips (arch/chip_search.h), in those subdirectories; loaded as strictly
// (every key required, unknown keys refused, every number in its range of arch/hw_ranges.cpp,
// errors naming file and table.key). Key meanings: docs/HARDWARE.md, "GPUs".
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "arch/chip_search.h"
#include "numerics/dtype.h"

namespace npulab::arch {

struct GpuSpec {
  std::string name, description, source_file;
  uint32_t sms = 0;              // streaming multiprocessors
  double boost_clock_ghz = 0;    // the clock the dense tensor figures imply
  std::string calibration;       // hw/gpu/calibration/<name>.toml of its operator efficiencies
  // Dense (no sparsity) tensor-core TFLOPS per input dtype; fp32 is the non-tensor rate.
  double bf16_tflops = 0, fp16_tflops = 0, fp8_tflops = 0, tf32_tflops = 0, fp32_tflops = 0;
  uint64_t hbm_capacity_bytes = 0;
  double hbm_gbps = 0;           // HBM bandwidth, GB/s
  double nvlink_bidirectional_gbps = 0;  // NVLink bandwidth per GPU, both directions together
  uint32_t nvlink_links = 0;
  double tdp_w = 0;

  // Dense matmul peak for inputs of `dt` (FP8 E4M3/E5M2 -> fp8, F32 -> tf32 as cuBLAS runs
  // FP32 GEMMs on tensor cores only when allowed: we take tf32), FLOP/s.
  double matmul_flops(DType dt) const;
  double hbm_bytes_per_s() const { return hbm_gbps * 1e9; }
  // One direction of NVLink, bytes/s: what a ring or NVSwitch collective streams per GPU.
  double nvlink_unidirectional_bytes_per_s() const { return nvlink_bidirectional_gbps * 1e9 / 2; }
};

struct GpuSystem {
  std::string name, description, source_file;
  GpuSpec gpu;
  uint32_t gpus = 0;  // on one NVSwitch board (any two talk at full NVLink bandwidth)
};

// Named parameters of the operator model (src/gpu), each a property of the GPU with its
// software stack (cuBLAS, vLLM kernels, NCCL) rather than of the silicon. docs/GPU.md.
struct GpuCalibration {
  std::string name, description, source_file;
  std::string data;      // the measurements they were fitted on (repository-relative folder)
  // GEMM: t = launch + max(c, m), c from wave quantization of
  // tiles up to tile_m x tile_n over the SMs at compute_efficiency of the peak, m the
  // operand bytes at memory_efficiency of HBM bandwidth.
  struct Gemm {
    double compute_efficiency = 0, memory_efficiency = 0, launch_us = 0;
    uint32_t tile_m = 0, tile_n = 0;
  } gemm;
  // Memory-bound kernels (one thread block per token row, as vLLM's): t = launch +
  // max(bytes / (efficiency x HBM), rows_per_sm x row_bytes / block_gbps).
  struct MemoryBound {
    double launch_us = 0, block_gbps = 0;
    double norm_efficiency = 0, add_efficiency = 0, rope_efficiency = 0, act_efficiency = 0,
           embedding_efficiency = 0;
  } memory;
  // Attention (no measurements in the calibration data: named assumptions, docs/GPU.md).
  struct Attention {
    double prefill_efficiency = 0, decode_efficiency = 0, launch_us = 0;
  } attention;
  // NCCL all-reduce on NVSwitch: t = latency + (gpus - 2) x latency_per_gpu +
  // 2 (n - 1) / n x bytes / (bus_efficiency x NVLink one direction).
  struct AllReduce {
    double latency_us = 0, latency_per_gpu_us = 0, bus_efficiency = 0;
  } allreduce;
  // The share of device memory the engine may use (the host's per-step time is a
  // serving-stack parameter: arch/stack.h).
  struct Host {
    double memory_utilization = 0;
  } host;
  // The fit's error on its own measurements, |predicted / measured - 1| in percent.
  struct FitError {
    double gemm_median_pct = 0, gemm_p90_pct = 0;
    double memory_median_pct = 0, memory_p90_pct = 0;
    double allreduce_median_pct = 0, allreduce_p90_pct = 0;
  } fit_error;
};

GpuSpec load_gpu(const std::string& path);
GpuSpec load_gpu_from_string(std::string_view text, const std::string& source_name);
// The system's [system] table only: `gpu` is left for load_gpu_system to resolve.
GpuSystem load_gpu_system_from_string(std::string_view text, const std::string& source_name, std::string* gpu_name);
GpuCalibration load_gpu_calibration(const std::string& path);
GpuCalibration load_gpu_calibration_from_string(std::string_view text, const std::string& source_name);

// By name on `path` (<dir>/gpu/<name>.toml, <dir>/systems/<name>.toml,
// <dir>/gpu/calibration/<name>.toml) or from a file path. A system's GPU is resolved on the
// same path.
GpuSpec load_gpu_by_name(const std::string& name_or_path, const ChipSearchPath& path);
GpuSystem load_gpu_system(const std::string& name_or_path, const ChipSearchPath& path);
GpuCalibration load_gpu_calibration_by_name(const std::string& name_or_path, const ChipSearchPath& path);
std::vector<std::string> gpu_names(const ChipSearchPath& path);
std::vector<std::string> gpu_system_names(const ChipSearchPath& path);

}  // namespace npulab::arch
