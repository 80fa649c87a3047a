// load_gpu / load_gpu_system / load_gpu_calibration (arch/gpu.h): the GPU kinds of hardware
// file, read as strictly as the chips (arch/toml_reader.h) and found on the chips' search path.
#include <fmt/format.h>

#include "arch/gpu.h"
#include "arch/system_kind.h"
#include "arch/toml_reader.h"
#include "common/error.h"

namespace npulab::arch {
namespace {

constexpr const char* kGpuDir = "gpu";
constexpr const char* kCalibrationDir = "gpu/calibration";

void read_gpu_table(TomlTableReader r, GpuSpec& g) {
  g.name = r.string("name");
  g.description = r.string("description");
  g.sms = r.u32("sms");
  g.boost_clock_ghz = r.real("boost_clock_ghz");
  g.calibration = r.string("calibration");
  r.finish();
}

void read_dense_tflops(TomlTableReader r, GpuSpec& g) {
  g.bf16_tflops = r.real("bf16");
  g.fp16_tflops = r.real("fp16");
  g.fp8_tflops = r.real("fp8");
  g.tf32_tflops = r.real("tf32");
  g.fp32_tflops = r.real("fp32");
  r.finish();
}

void read_gpu_hbm(TomlTableReader r, GpuSpec& g) {
  g.hbm_capacity_bytes = r.u64("capacity_bytes");
  g.hbm_gbps = r.real("bandwidth_gbps");
  r.finish();
}

void read_nvlink(TomlTableReader r, GpuSpec& g) {
  g.nvlink_bidirectional_gbps = r.real("bidirectional_gbps");
  g.nvlink_links = r.u32("links");
  r.finish();
}

void read_power(TomlTableReader r, GpuSpec& g) {
  g.tdp_w = r.real("tdp_w");
  r.finish();
}

// Efficiencies are fractions of a peak: a value above 1 would predict faster than the
// hardware can run, so the range table bounds them to (0, 1].
void read_gemm(TomlTableReader r, GpuCalibration::Gemm& m) {
  m.compute_efficiency = r.real("compute_efficiency");
  m.memory_efficiency = r.real("memory_efficiency");
  m.launch_us = r.real("launch_us");
  m.tile_m = r.u32("tile_m");
  m.tile_n = r.u32("tile_n");
  r.finish();
}

void read_memory_bound(TomlTableReader r, GpuCalibration::MemoryBound& m) {
  m.launch_us = r.real("launch_us");
  m.block_gbps = r.real("block_gbps");
  m.norm_efficiency = r.real("norm_efficiency");
  m.add_efficiency = r.real("add_efficiency");
  m.rope_efficiency = r.real("rope_efficiency");
  m.act_efficiency = r.real("act_efficiency");
  m.embedding_efficiency = r.real("embedding_efficiency");
  r.finish();
}

void read_attention(TomlTableReader r, GpuCalibration::Attention& a) {
  a.prefill_efficiency = r.real("prefill_efficiency");
  a.decode_efficiency = r.real("decode_efficiency");
  a.launch_us = r.real("launch_us");
  r.finish();
}

void read_allreduce(TomlTableReader r, GpuCalibration::AllReduce& a) {
  a.latency_us = r.real("latency_us");
  a.latency_per_gpu_us = r.real("latency_per_gpu_us");
  a.bus_efficiency = r.real("bus_efficiency");
  r.finish();
}

void read_host(TomlTableReader r, GpuCalibration::Host& h) {
  h.memory_utilization = r.real("memory_utilization");
  r.finish();
}

void read_fit_error(TomlTableReader r, GpuCalibration::FitError& e) {
  e.gemm_median_pct = r.real("gemm_median_pct");
  e.gemm_p90_pct = r.real("gemm_p90_pct");
  e.memory_median_pct = r.real("memory_median_pct");
  e.memory_p90_pct = r.real("memory_p90_pct");
  e.allreduce_median_pct = r.real("allreduce_median_pct");
  e.allreduce_p90_pct = r.real("allreduce_p90_pct");
  r.finish();
}

}  // namespace

double GpuSpec::matmul_flops(DType dt) const {
  switch (dt) {
    case DType::F8E4M3: case DType::F8E5M2: return fp8_tflops * 1e12;
    case DType::F16: return fp16_tflops * 1e12;
    case DType::F32: return tf32_tflops * 1e12;
    default: return bf16_tflops * 1e12;
  }
}

GpuSpec load_gpu_from_string(std::string_view text, const std::string& path) {
  const toml::table root = parse_hw_text(text, path);
  check_top_level(path, root, {"gpu", "dense_tflops", "hbm", "nvlink", "power"});
  GpuSpec g;
  g.source_file = path;
  read_gpu_table({path, root, "gpu"}, g);
  read_dense_tflops({path, root, "dense_tflops"}, g);
  read_gpu_hbm({path, root, "hbm"}, g);
  read_nvlink({path, root, "nvlink"}, g);
  read_power({path, root, "power"}, g);
  // FP8 tensor cores run at least the 16-bit rate on every GPU described (a file saying
  // otherwise has its columns swapped).
  if (g.fp8_tflops < g.bf16_tflops)
    fail("{}: dense_tflops.fp8: expected >= dense_tflops.bf16 ({}), got {}", path, g.bf16_tflops, g.fp8_tflops);
  return g;
}

GpuSpec load_gpu(const std::string& path) { return load_gpu_from_string(read_hw_file(path), path); }

GpuSystem load_gpu_system_from_string(std::string_view text, const std::string& path, std::string* gpu_name) {
  const toml::table root = parse_hw_text(text, path);
  check_top_level(path, root, {"system"});
  TomlTableReader r(path, root, "system");
  GpuSystem s;
  s.source_file = path;
  s.name = r.string("name");
  s.description = r.string("description");
  *gpu_name = r.string("gpu");
  s.gpus = r.u32("gpus");
  r.finish();
  return s;
}

GpuCalibration load_gpu_calibration_from_string(std::string_view text, const std::string& path) {
  const toml::table root = parse_hw_text(text, path);
  check_top_level(path, root,
                  {"calibration", "gemm", "memory_bound", "attention", "allreduce", "host", "fit_error"});
  GpuCalibration c;
  c.source_file = path;
  {
    TomlTableReader r(path, root, "calibration");
    c.name = r.string("name");
    c.description = r.string("description");
    c.data = r.string("data");
    r.finish();
  }
  read_gemm({path, root, "gemm"}, c.gemm);
  read_memory_bound({path, root, "memory_bound"}, c.memory);
  read_attention({path, root, "attention"}, c.attention);
  read_allreduce({path, root, "allreduce"}, c.allreduce);
  read_host({path, root, "host"}, c.host);
  read_fit_error({path, root, "fit_error"}, c.fit_error);
  return c;
}

GpuCalibration load_gpu_calibration(const std::string& path) {
  return load_gpu_calibration_from_string(read_hw_file(path), path);
}

GpuSpec load_gpu_by_name(const std::string& name_or_path, const ChipSearchPath& path) {
  return load_gpu(resolve_hw_file("GPU", name_or_path, path, kGpuDir));
}

GpuCalibration load_gpu_calibration_by_name(const std::string& name_or_path, const ChipSearchPath& path) {
  return load_gpu_calibration(resolve_hw_file("GPU calibration", name_or_path, path, kCalibrationDir));
}

GpuSystem load_gpu_system(const std::string& name_or_path, const ChipSearchPath& path) {
  const std::string file = resolve_system_file(name_or_path, path, SystemKind::Gpu);
  std::string gpu;
  GpuSystem s = load_gpu_system_from_string(read_hw_file(file), file, &gpu);
  try {
    s.gpu = load_gpu_by_name(gpu, path);
  } catch (const Error& e) {
    fail("{}: system.gpu: {}", file, e.what());
  }
  return s;
}

std::vector<std::string> gpu_names(const ChipSearchPath& path) { return hw_names(path, kGpuDir); }
// Only the files that name a GPU: the folder also holds chip systems (arch/chip_system.h).
std::vector<std::string> gpu_system_names(const ChipSearchPath& path) { return system_names(path, SystemKind::Gpu); }

}  // namespace npulab::arch
