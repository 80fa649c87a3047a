// Typed description of one Trainium-class chip, loaded from hw/<name>.toml.
// This struct is the single source of hardware truth for the simulator, the
// kernels and the performance model: no layer hard-codes a hardware number.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "numerics/dtype.h"

namespace npulab::arch {

// Streaming engine: vector, scalar, gpsimd. Throughput is elements per cycle per lane
// (one lane per partition), by the dtype class of the data it streams.
struct StreamEngine {
  double clock_ghz = 0;
  uint32_t lanes = 0;                   // partitions processed in parallel (128)
  double elems_per_cycle_16bit = 0;     // per lane, BF16/FP16 operands (SBUF)
  double elems_per_cycle_8bit = 0;      // per lane, FP8/INT8 operands
  double elems_per_cycle_other = 0;     // per lane, FP32/INT32 operands (and anything from PSUM)
  uint32_t fixed_overhead_cycles = 0;   // static cost of every instruction (decode, access)
  uint32_t min_cycles = 0;              // minimum initiation interval of a data instruction
};

struct TensorEngine {
  double clock_ghz = 0;
  uint32_t rows = 0;                 // systolic array rows = max contraction K (partitions)
  uint32_t cols = 0;                 // array columns = max stationary free size M
  uint32_t max_moving_free = 0;      // max N of the moving tile (one PSUM bank of FP32)
  uint32_t min_issue_cycles = 0;     // MultiplyMoving II = max(N, min_issue_cycles) * factor
  double fp32_factor = 0;            // FP32 inputs run this many times slower (~4)
  double fp8_factor = 0;             // FP8 inputs: <1 where FP8 runs faster (0.5 on NC-v3);
                                     // the FP8 peak is the BF16 peak / fp8_factor (arch/peaks.cpp)
  uint32_t load_stationary_fast_cycles = 0;  // LoadStationary of a full cols-wide stationary
                                             // (fast mode); runs in the background behind the
                                             // previous MultiplyMoving (docs/SIMULATOR.md)
  uint32_t fixed_overhead_cycles = 0;
};

struct Memory2D {                    // SBUF or PSUM: partitions x bytes per partition
  uint32_t partitions = 0;
  uint64_t bytes_per_partition = 0;
  uint32_t banks = 0;                // PSUM: accumulation banks (SBUF: 0)
  uint32_t access_overhead_cycles = 0;
  uint64_t total_bytes() const { return partitions * bytes_per_partition; }
  uint64_t bank_bytes() const { return banks ? bytes_per_partition / banks : 0; }
};

struct Dma {
  uint32_t engines_per_core = 0;
  uint32_t queues_per_engine = 0;
  double bytes_per_ns_per_engine = 0;   // per-engine bandwidth (GB/s == B/ns)
  double fixed_latency_ns = 0;          // semaphore-to-transfer-start overhead
  double descriptor_ns = 0;             // per-descriptor (per contiguous chunk) cost
  uint32_t min_efficient_bytes = 0;     // below this per-partition payload, efficiency drops
};

struct Hbm {
  uint64_t capacity_bytes = 0;
  double bandwidth_gbps = 0;            // GB/s == bytes per ns, shared by all cores
};

struct Link {
  double bandwidth_gbps_per_chip = 0;   // chip-to-chip NeuronLink, GB/s per chip
  uint32_t links_per_chip = 0;
};

// The chip's collective engine: collectives among its cores (all-reduce, all-gather,
// reduce-scatter, all-to-all) run as steps of DMA transfers through HBM on DMA rings driven
// by the collective-communication cores (docs/SIMULATOR.md, "Collectives").
struct Collectives {
  uint32_t cc_cores = 0;          // collective-communication cores per chip; each drives one
                                  // DMA ring: a rank's share moves over cc_cores / cores_per_chip
                                  // of its core's DMA engines (at least one)
  double start_ns = 0;            // fixed cost of starting a collective (once all ranks issued it)
  double hop_latency_ns = 0;      // per algorithm step: the ranks' handshake and ring DMA start
  uint64_t mesh_max_bytes = 0;    // messages up to this size use the one-step mesh algorithm
  uint64_t rdh_max_bytes = 0;     // then recursive halving/doubling (power-of-two groups); ring above
};

struct ChipConfig {
  std::string name;                    // "trn2"
  std::string source_file;             // path it was loaded from (for error messages)
  std::string description;
  uint32_t cores_per_chip = 0;
  uint32_t semaphores_per_core = 0;
  uint32_t registers_per_engine = 0;
  // Logical NeuronCores: how many physical cores act as one by default (`--lnc`), and the
  // most the chip supports (LNC sizes 1 .. lnc_max).
  uint32_t lnc_default = 1, lnc_max = 1;
  TensorEngine tensor;
  StreamEngine vector, scalar, gpsimd;
  Memory2D sbuf, psum;
  Dma dma;
  Hbm hbm;
  Link link;
  Collectives collectives;
  // Published per-chip figures (for `npulab info` comparison), TFLOPS / TB/s.
  double published_bf16_tflops = 0, published_fp8_tflops = 0, published_fp32_tflops = 0;
  double published_hbm_tbps = 0;
  double published_dma_tbps = 0;       // all DMA engines of the chip together, TB/s
};

// Derived peaks, all computed from the description (never stored in it).
struct Peaks {
  double tensor_tflops_bf16_core, tensor_tflops_fp8_core, tensor_tflops_fp32_core;
  double tensor_tflops_bf16_chip, tensor_tflops_fp8_chip, tensor_tflops_fp32_chip;
  double dma_gbps_core, dma_gbps_chip, hbm_gbps_chip;
  double vector_gelems_core, scalar_gelems_core;  // best case: 16-bit operands from SBUF
  // Added by arch: rates for the slow (FP32 / PSUM) path and GpSimd, per core, Gelem/s.
  double vector_gelems_core_fp32, scalar_gelems_core_fp32, gpsimd_gelems_core;
  double sbuf_bytes_core, psum_bytes_core;
};
Peaks derive_peaks(const ChipConfig& c);

// Load and validate hw/<file>. Unknown keys, missing keys, zero/negative sizes throw
// npulab::Error naming the file and the key.
ChipConfig load_chip(const std::string& path);
// Same checks on TOML text already in memory; `source_name` stands for the file in messages
// and in ChipConfig::source_file (used by the fuzz target and by embedders).
ChipConfig load_chip_from_string(std::string_view text, const std::string& source_name);
// Resolve a chip by name ("trn2") on the standard search path (arch/chip_search.h: the
// directories in NPULAB_HW_PATH, the build's hw/, an installed share/npulab/hw) or load it
// from a path ("hw/trn2.toml", "/x/y.toml").
ChipConfig load_chip_by_name(const std::string& name_or_path);
std::vector<std::string> builtin_chip_names();  // chip names on the standard search path

}  // namespace npulab::arch
