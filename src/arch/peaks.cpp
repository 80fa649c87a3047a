// derive_peaks: every peak figure `npulab info` prints is computed here from the chip
// description, with the same factors the timing model uses, so a printed peak is one the
// simulator can actually approach (and never exceed).
#include "arch/chip.h"

namespace npulab::arch {
namespace {

// rows x cols MACs per cycle, 2 FLOPs per MAC; `factor` = cycles per MAC relative to BF16.
double tensor_tflops(const TensorEngine& t, double factor) {
  return double(t.rows) * t.cols * 2.0 * t.clock_ghz / factor / 1000.0;
}

double gelems(const StreamEngine& e, double per_lane) { return e.clock_ghz * e.lanes * per_lane; }

}  // namespace

Peaks derive_peaks(const ChipConfig& c) {
  Peaks p{};
  const double cores = c.cores_per_chip;
  p.tensor_tflops_bf16_core = tensor_tflops(c.tensor, 1.0);
  p.tensor_tflops_fp8_core = tensor_tflops(c.tensor, c.tensor.fp8_factor);
  p.tensor_tflops_fp32_core = tensor_tflops(c.tensor, c.tensor.fp32_factor);
  p.tensor_tflops_bf16_chip = p.tensor_tflops_bf16_core * cores;
  p.tensor_tflops_fp8_chip = p.tensor_tflops_fp8_core * cores;
  p.tensor_tflops_fp32_chip = p.tensor_tflops_fp32_core * cores;
  p.dma_gbps_core = c.dma.engines_per_core * c.dma.bytes_per_ns_per_engine;
  p.dma_gbps_chip = p.dma_gbps_core * cores;
  p.hbm_gbps_chip = c.hbm.bandwidth_gbps;  // shared by all cores of the chip
  p.vector_gelems_core = gelems(c.vector, c.vector.elems_per_cycle_16bit);
  p.scalar_gelems_core = gelems(c.scalar, c.scalar.elems_per_cycle_16bit);
  p.vector_gelems_core_fp32 = gelems(c.vector, c.vector.elems_per_cycle_other);
  p.scalar_gelems_core_fp32 = gelems(c.scalar, c.scalar.elems_per_cycle_other);
  p.gpsimd_gelems_core = gelems(c.gpsimd, c.gpsimd.elems_per_cycle_other);
  p.sbuf_bytes_core = double(c.sbuf.total_bytes());
  p.psum_bytes_core = double(c.psum.total_bytes());
  return p;
}

}  // namespace npulab::arch
