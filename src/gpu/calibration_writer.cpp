// calibration_toml (gpu/fit.h): the file `npulab gpu-calibrate --write` produces, so the
// committed hw/gpu/calibration/*.toml is the fit's output, not hand-edited numbers.
#include <fmt/format.h>

#include <set>

#include "gpu/fit.h"

namespace npulab::gpu {

std::string calibration_toml(const arch::GpuCalibration& c, const std::string& gpu_name,
                             const std::vector<CalPoint>& pts) {
  std::set<std::string> sources;
  for (const CalPoint& p : pts) sources.insert(p.source);
  std::string files;
  for (const auto& s : sources) files += (files.empty() ? "" : ", ") + s;
  const auto& g = c.gemm;
  const auto& m = c.memory;
  const auto& a = c.attention;
  const auto& r = c.allreduce;
  const auto& h = c.host;
  const auto& e = c.fit_error;
  std::string out = fmt::format(R"(# Named parameters of the GPU operator model (src/gpu; docs/GPU.md defines every formula).
# WRITTEN BY `npulab gpu-calibrate --gpu {gpu} --write <this file>`: the [gemm],
# [memory_bound] and [allreduce] values are fitted (deterministic Nelder-Mead on squared log
# ratios, one set for every model and shape) on the {n} measured points of {data}
# ({files}); [attention] and [host] are assumptions kept from the previous file, each with
# its source. [fit_error] is the fit's error on its own points, |predicted / measured - 1|,
# rounded up to 0.1 %; `npulab gpu-calibrate` prints it per operator and per model.

[calibration]
name = "{name}"
description = "{desc}"
data = "{data}"

[gemm]
compute_efficiency = {ce:.6g}   # fitted: share of the dense peak an SM's tile loop reaches
memory_efficiency = {me:.6g}    # fitted: share of HBM bandwidth a weight-streaming GEMM reaches
launch_us = {gl:.6g}            # fitted: fixed time of one GEMM kernel, microseconds
tile_m = {tm}                     # CUTLASS/cuBLAS Hopper output tile 128 x 256 (and halves): the wave quantization grain
tile_n = {tn}

[memory_bound]
launch_us = {ml:.6g}            # fitted: fixed time of one memory-bound kernel, microseconds
block_gbps = {bg:.6g}           # fitted: GB/s one thread block streams alone (few-row grids)
norm_efficiency = {ne:.6g}      # fitted: share of HBM bandwidth of RMSNorm / LayerNorm
add_efficiency = {ae:.6g}       # fitted: residual add
rope_efficiency = {re:.6g}      # fitted: rotary embedding of q and k (in place)
act_efficiency = {ace:.6g}      # fitted: SiLU-and-multiply / GELU
embedding_efficiency = {ee:.6g} # fitted: token embedding gather

[attention]
prefill_efficiency = {pe:.6g}   # ASSUMPTION (no attention times in the data): FlashAttention-2 forward reaches ~50% of H100's FP16 peak at long sequences (Shah et al., FlashAttention-3, 2024, fig. 5: FA2 ~350-400 of 989 TFLOPS)
decode_efficiency = {de:.6g}    # ASSUMPTION (set by the fit): paged decode attention streams the KV cache at gemm.memory_efficiency, the fitted HBM share of weight-streaming GEMMs
launch_us = {al:.6g}            # ASSUMPTION: one kernel launch, as a GEMM

[allreduce]
latency_us = {lat:.6g}          # fitted: NCCL all-reduce fixed time on 2 GPUs, microseconds
latency_per_gpu_us = {lpg:.6g}  # fitted: added per GPU beyond two
bus_efficiency = {be:.6g}       # fitted: share of one direction of NVLink the all-reduce's 2(n-1)/n bytes move at

[host]
memory_utilization = {mu:.6g}   # vLLM's default gpu_memory_utilization (share of device memory for weights, activations and KV cache)

[fit_error]
gemm_median_pct = {gmed:.1f}
gemm_p90_pct = {gp90:.1f}
memory_median_pct = {mmed:.1f}
memory_p90_pct = {mp90:.1f}
allreduce_median_pct = {amed:.1f}
allreduce_p90_pct = {ap90:.1f}
)",
      fmt::arg("gpu", gpu_name), fmt::arg("n", pts.size()), fmt::arg("data", c.data), fmt::arg("files", files),
      fmt::arg("name", c.name), fmt::arg("desc", c.description), fmt::arg("ce", g.compute_efficiency),
      fmt::arg("me", g.memory_efficiency), fmt::arg("gl", g.launch_us),
      fmt::arg("tm", g.tile_m), fmt::arg("tn", g.tile_n), fmt::arg("ml", m.launch_us), fmt::arg("bg", m.block_gbps),
      fmt::arg("ne", m.norm_efficiency), fmt::arg("ae", m.add_efficiency), fmt::arg("re", m.rope_efficiency),
      fmt::arg("ace", m.act_efficiency), fmt::arg("ee", m.embedding_efficiency), fmt::arg("pe", a.prefill_efficiency),
      fmt::arg("de", a.decode_efficiency), fmt::arg("al", a.launch_us), fmt::arg("lat", r.latency_us),
      fmt::arg("lpg", r.latency_per_gpu_us), fmt::arg("be", r.bus_efficiency), fmt::arg("mu", h.memory_utilization), fmt::arg("gmed", e.gemm_median_pct), fmt::arg("gp90", e.gemm_p90_pct),
      fmt::arg("mmed", e.memory_median_pct), fmt::arg("mp90", e.memory_p90_pct),
      fmt::arg("amed", e.allreduce_median_pct), fmt::arg("ap90", e.allreduce_p90_pct));
  return out;
}

}  // namespace npulab::gpu
