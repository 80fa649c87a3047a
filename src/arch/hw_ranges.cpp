// The range table of hw/*.toml keys (see hw_ranges.h). A new key gets a row here, with a
// reason for its bounds; the loader cannot read a key without one.
#include "arch/hw_ranges.h"

#include <fmt/format.h>

#include <array>

#include "common/error.h"

namespace npulab::arch {
namespace {

constexpr double kKiB = 1024, kMiB = kKiB * 1024, kTiB = kMiB * 1024 * 1024;
constexpr std::string_view kEngines = "vector/scalar/gpsimd";
constexpr std::string_view kMemories = "sbuf/psum";
constexpr std::string_view kTiers = "in_server/across_servers/across_racks";
// Cycle counts of a fixed cost: up to a million cycles (~1 ms at 1 GHz).
constexpr double kMaxCycles = 1e6;
constexpr std::string_view kCyclesWhy = "a fixed cost of up to a million cycles";
// A fitted efficiency is a fraction of a peak: above 1 would beat the hardware.
constexpr std::string_view kFractionWhy = "a fraction of the peak: never above it";
constexpr std::string_view kErrorWhy = "absolute error of the fit, percent";

constexpr std::array kRanges{
    KeyRange{"chip", "cores_per_chip", true, 1, 1024, "what-if studies up to 1024 cores"},
    KeyRange{"chip", "semaphores_per_core", true, 1, 32768, "semaphore ids are 15-bit in the encoding (signal is int16)"},
    KeyRange{"chip", "registers_per_engine", true, 1, 128, "register ids are 7-bit in the encoding (int8 offset and wait registers)"},
    KeyRange{"chip", "lnc_default", true, 1, 8, "physical cores per logical core; at most lnc_max"},
    KeyRange{"chip", "lnc_max", true, 1, 8, "a divisor of cores_per_chip; Neuron has 1 or 2"},
    KeyRange{"tensor", "clock_ghz", false, 0.01, 100, "10 MHz to 100 GHz"},
    KeyRange{"tensor", "rows", true, 1, 4096, "at most sbuf.partitions"},
    KeyRange{"tensor", "cols", true, 1, 4096, "a PSUM tile has at most 4096 partitions"},
    KeyRange{"tensor", "max_moving_free", true, 1, 1 << 20, "FP32 values of one PSUM bank"},
    KeyRange{"tensor", "min_issue_cycles", true, 0, kMaxCycles, kCyclesWhy},
    KeyRange{"tensor", "fp32_factor", false, 0.01, 100, "FP32 at 1/100 to 100x the BF16 rate"},
    KeyRange{"tensor", "fp8_factor", false, 0.01, 100, "FP8 at 1/100 to 100x the BF16 rate"},
    KeyRange{"tensor", "load_stationary_fast_cycles", true, 1, kMaxCycles, kCyclesWhy},
    KeyRange{"tensor", "fixed_overhead_cycles", true, 0, kMaxCycles, kCyclesWhy},
    KeyRange{kEngines, "clock_ghz", false, 0.01, 100, "10 MHz to 100 GHz"},
    KeyRange{kEngines, "lanes", true, 1, 4096, "at most sbuf.partitions"},
    KeyRange{kEngines, "elems_per_cycle_16bit", false, 0.001, 1024, "per lane: 1/1000 to 1024 elements per cycle"},
    KeyRange{kEngines, "elems_per_cycle_8bit", false, 0.001, 1024, "per lane: 1/1000 to 1024 elements per cycle"},
    KeyRange{kEngines, "elems_per_cycle_other", false, 0.001, 1024, "per lane: 1/1000 to 1024 elements per cycle"},
    KeyRange{kEngines, "fixed_overhead_cycles", true, 0, kMaxCycles, kCyclesWhy},
    KeyRange{kEngines, "min_cycles", true, 0, kMaxCycles, kCyclesWhy},
    KeyRange{kMemories, "partitions", true, 1, 4096, "operand partition fields are 16-bit; 32x today's 128"},
    KeyRange{kMemories, "bytes_per_partition", true, 64, 16 * kMiB,
             "a functional run holds the SBUF and PSUM of each core it uses in host memory"},
    KeyRange{"psum", "banks", true, 1, 1024, "accumulation banks"},
    KeyRange{kMemories, "access_overhead_cycles", true, 0, kMaxCycles, kCyclesWhy},
    KeyRange{"dma", "engines_per_core", true, 1, 256, "16x today's 16"},
    KeyRange{"dma", "queues_per_engine", true, 1, 256, "16x today's 16"},
    KeyRange{"dma", "bytes_per_ns_per_engine", false, 0.001, 1e5, "1 MB/s to 100 TB/s per engine"},
    KeyRange{"dma", "fixed_latency_ns", false, 0, 1e6, "up to 1 ms per DMA"},
    KeyRange{"dma", "descriptor_ns", false, 0, 1e6, "up to 1 ms per descriptor"},
    KeyRange{"dma", "min_efficient_bytes", true, 1, 1 << 30, "up to 1 GiB"},
    KeyRange{"hbm", "capacity_bytes", true, 1 * kMiB, 16 * kTiB, "1 MiB to 16 TiB"},
    KeyRange{"hbm", "bandwidth_gbps", false, 0.001, 1e6, "1 MB/s to 1 PB/s"},
    KeyRange{"link", "bandwidth_gbps_per_chip", false, 0.001, 1e6, "1 MB/s to 1 PB/s"},
    KeyRange{"link", "links_per_chip", true, 1, 1024, "NeuronLink ports"},
    KeyRange{"collectives", "cc_cores", true, 1, 1024, "collective-communication cores (DMA rings) per chip"},
    KeyRange{"collectives", "start_ns", false, 0, 1e6, "up to 1 ms to start a collective"},
    KeyRange{"collectives", "hop_latency_ns", false, 0, 1e6, "up to 1 ms per algorithm step"},
    KeyRange{"collectives", "mesh_max_bytes", true, 1, 1ull << 40, "up to 1 TiB"},
    KeyRange{"collectives", "rdh_max_bytes", true, 1, 1ull << 40, "up to 1 TiB; at least mesh_max_bytes"},
    KeyRange{"published", "bf16_tflops", false, 0.001, 1e6, "published figure, TFLOPS"},
    KeyRange{"published", "fp8_tflops", false, 0.001, 1e6, "published figure, TFLOPS"},
    KeyRange{"published", "fp32_tflops", false, 0.001, 1e6, "published figure, TFLOPS"},
    KeyRange{"published", "hbm_tbps", false, 0.001, 1e4, "published figure, TB/s (per chip, or per system in a system file)"},
    KeyRange{"published", "dma_tbps", false, 0.001, 1e3, "published figure, TB/s"},
    // GPUs (hw/gpu/*.toml; [hbm] is the chips' row above).
    KeyRange{"gpu", "sms", true, 1, 4096, "streaming multiprocessors; 30x today's 132-148"},
    KeyRange{"gpu", "boost_clock_ghz", false, 0.01, 100, "10 MHz to 100 GHz"},
    KeyRange{"dense_tflops", "bf16", false, 0.001, 1e6, "dense TFLOPS per GPU"},
    KeyRange{"dense_tflops", "fp16", false, 0.001, 1e6, "dense TFLOPS per GPU"},
    KeyRange{"dense_tflops", "fp8", false, 0.001, 1e6, "dense TFLOPS per GPU"},
    KeyRange{"dense_tflops", "tf32", false, 0.001, 1e6, "dense TFLOPS per GPU"},
    KeyRange{"dense_tflops", "fp32", false, 0.001, 1e6, "TFLOPS per GPU"},
    KeyRange{"nvlink", "bidirectional_gbps", false, 0.001, 1e6, "1 MB/s to 1 PB/s per GPU"},
    KeyRange{"nvlink", "links", true, 1, 1024, "NVLink ports per GPU"},
    KeyRange{"power", "tdp_w", false, 1, 1e5, "1 W to 100 kW per device"},
    // GPU systems (hw/systems/*.toml).
    KeyRange{"system", "gpus", true, 1, 1024, "GPUs on one NVSwitch domain (72 in NVL72 racks)"},
    // Chip systems (hw/systems/*.toml with system.chip; docs/SYSTEMS.md).
    KeyRange{"system", "chips_per_server", true, 1, 4096, "chips of one server (16 today)"},
    KeyRange{"system", "servers_per_rack", true, 1, 1024, "servers joined by NeuronLink in one rack (36 in a Trn3 Gen2 UltraServer)"},
    KeyRange{"system", "racks", true, 1, 1024, "racks of one scale-up system"},
    KeyRange{"in_server", "dims", true, 1, 4096, "topology dimensions; their product is chips_per_server"},
    KeyRange{kTiers, "link_gbps", false, 0.001, 1e6, "1 MB/s to 1 PB/s per link and direction"},
    KeyRange{kTiers, "link_latency_ns", false, 0, 1e7, "up to 10 ms per hop"},
    KeyRange{"efa", "gbps_per_chip", false, 0.001, 1e6, "1 MB/s to 1 PB/s per chip and direction"},
    KeyRange{"efa", "latency_ns", false, 0, 1e7, "up to 10 ms between systems"},
    KeyRange{"collectives", "step_ns", false, 0, 1e6, "up to 1 ms per algorithm step"},
    KeyRange{"published", "chips", true, 1, 1e6, "published chip count"},
    KeyRange{"published", "bf16_pflops", false, 0.001, 1e6, "published figure, PFLOPS"},
    KeyRange{"published", "fp8_pflops", false, 0.001, 1e6, "published figure, PFLOPS"},
    KeyRange{"published", "fp32_pflops", false, 0.001, 1e6, "published figure, PFLOPS"},
    KeyRange{"published", "hbm_gib", false, 0.001, 1e9, "published figure, GiB"},
    KeyRange{"published", "link_gbps_per_chip", false, 0.001, 1e6, "published figure, GB/s per chip"},
    KeyRange{"published", "efa_gbps", false, 0, 1e7, "published figure, Gbps (bits) per system; 0 = none published"},
    // Instances: prices and power (hw/instances/*.toml; docs/COST.md).
    // Serving stacks (hw/stacks/*.toml; docs/SERVING.md, "Serving stacks").
    KeyRange{"scheduler", "max_num_batched_tokens", true, 1, 1 << 24, "tokens per engine step, up to 16M"},
    KeyRange{"padding", "decode_batch_sizes", true, 1, 65536, "sequences per decode step"},
    KeyRange{"padding", "prefill_buckets", true, 1, 1 << 24, "prompt tokens, up to 16M"},
    KeyRange{"padding", "decode_context_buckets", true, 1, 1 << 24, "positions, up to 16M"},
    KeyRange{"overheads", "step_overhead_us", false, 0, 1e6, "host time per engine step, up to 1 s"},
    KeyRange{"instance", "devices", true, 1, 100000, "chips or GPUs billed together (an UltraServer holds 144)"},
    KeyRange{"device_power", "busy_w", false, 1, 1e5, "1 W to 100 kW per device"},
    KeyRange{"device_power", "idle_w", false, 0, 1e5, "up to 100 kW per device"},
    KeyRange{"on_demand/capacity_block/reserved/tco", "usd_per_hour", false, 0.001, 1e6,
             "USD per instance-hour: 0.1 cent to a million"},
    // GPU operator-model calibrations (hw/gpu/calibration/*.toml; docs/GPU.md).
    KeyRange{"gemm", "compute_efficiency", false, 0.01, 1, kFractionWhy},
    KeyRange{"gemm", "memory_efficiency", false, 0.01, 1, kFractionWhy},
    KeyRange{"gemm/memory_bound/attention", "launch_us", false, 0, 1e4, "fixed cost of a kernel, up to 10 ms"},
    KeyRange{"gemm", "tile_m", true, 16, 1024, "output tile rows of one SM"},
    KeyRange{"gemm", "tile_n", true, 16, 1024, "output tile columns of one SM"},
    KeyRange{"memory_bound", "block_gbps", false, 0.1, 1e5, "bandwidth one thread block streams, GB/s"},
    KeyRange{"memory_bound", "norm_efficiency", false, 0.01, 1, kFractionWhy},
    KeyRange{"memory_bound", "add_efficiency", false, 0.01, 1, kFractionWhy},
    KeyRange{"memory_bound", "rope_efficiency", false, 0.01, 1, kFractionWhy},
    KeyRange{"memory_bound", "act_efficiency", false, 0.01, 1, kFractionWhy},
    KeyRange{"memory_bound", "embedding_efficiency", false, 0.01, 1, kFractionWhy},
    KeyRange{"attention", "prefill_efficiency", false, 0.01, 1, kFractionWhy},
    KeyRange{"attention", "decode_efficiency", false, 0.01, 1, kFractionWhy},
    KeyRange{"allreduce", "latency_us", false, 0, 1e4, "fixed cost of a collective, up to 10 ms"},
    KeyRange{"allreduce", "latency_per_gpu_us", false, 0, 1e3, "added per GPU beyond two, up to 1 ms"},
    KeyRange{"allreduce", "bus_efficiency", false, 0.01, 1, kFractionWhy},
    KeyRange{"host", "memory_utilization", false, 0.05, 1, "share of device memory the engine may use (vLLM gpu_memory_utilization)"},
    KeyRange{"fit_error", "gemm_median_pct", false, 0, 1000, kErrorWhy},
    KeyRange{"fit_error", "gemm_p90_pct", false, 0, 1000, kErrorWhy},
    KeyRange{"fit_error", "memory_median_pct", false, 0, 1000, kErrorWhy},
    KeyRange{"fit_error", "memory_p90_pct", false, 0, 1000, kErrorWhy},
    KeyRange{"fit_error", "allreduce_median_pct", false, 0, 1000, kErrorWhy},
    KeyRange{"fit_error", "allreduce_p90_pct", false, 0, 1000, kErrorWhy},
};

bool names_table(std::string_view tables, std::string_view table) {
  while (!tables.empty()) {
    const size_t slash = tables.find('/');
    if (tables.substr(0, slash) == table) return true;
    if (slash == std::string_view::npos) break;
    tables.remove_prefix(slash + 1);
  }
  return false;
}

}  // namespace

std::span<const KeyRange> key_ranges() { return kRanges; }

const KeyRange& key_range(std::string_view table, std::string_view key) {
  for (const KeyRange& r : kRanges)
    if (r.key == key && names_table(r.tables, table)) return r;
  fail("internal error: hw key {}.{} has no plausible range in src/arch/hw_ranges.cpp", table, key);
}

std::string range_text(const KeyRange& r) {
  if (r.integer) return fmt::format("an integer in [{}, {}]", int64_t(r.lo), int64_t(r.hi));
  return fmt::format("a number in [{}, {}]", r.lo, r.hi);
}

}  // namespace npulab::arch
