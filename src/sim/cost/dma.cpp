// DMA cost. The cost function reports the instruction's demand; the scheduler's
// bandwidth servers (sim/scheduler/bandwidth.h) turn it into a finish time:
//
//   busy_ns      = descriptors * descriptor_ns + bytes / bytes_per_ns_per_engine
//                  (service time on the DMA engine if it had the engine to itself)
//   dma_fixed_ns = fixed_latency_ns  (semaphore-to-transfer-start, reference §1.6)
//   hbm bytes    = src bytes if src is HBM (read) + dst bytes if dst is HBM (write)
//
// descriptors = elements / gcd(contiguous run of src, contiguous run of dst): every
// descriptor moves one piece that is contiguous on both sides. Each costs descriptor_ns of
// engine time, which is what makes small per-partition chunks inefficient (reference §1.6:
// >= 2 KiB recommended, >= 4 KiB saturates; hw/*.toml picks descriptor_ns accordingly).
// bytes is the larger of the two sides (a cast moves the wider element through the engine).
#include <algorithm>
#include <numeric>

#include "sim/cost/cost_common.h"
#include "isa/access_pattern.h"

namespace npulab::sim {

Cost cost_dma_copy(const isa::Instr& in, CostCtx& ctx) {
  const auto& d = ctx.chip->dma;
  const isa::TensorRef& dst = in.t[0];
  const isa::TensorRef& src = in.t[1];
  const uint64_t elems = std::max<uint64_t>(1, src.elems());
  const uint64_t run_src = std::max<uint64_t>(1, isa::contiguous_run_bytes(src) / dtype_size(src.dtype));
  const uint64_t run_dst = std::max<uint64_t>(1, isa::contiguous_run_bytes(dst) / dtype_size(dst.dtype));
  const uint64_t piece = std::max<uint64_t>(1, std::gcd(run_src, run_dst));
  const uint64_t descriptors = (elems + piece - 1) / piece;
  const uint64_t bytes = std::max(src.bytes(), dst.bytes());
  Cost c;
  c.dma_bytes = bytes;
  c.dma_fixed_ns = d.fixed_latency_ns;
  c.busy_ns = double(descriptors) * d.descriptor_ns + double(bytes) / d.bytes_per_ns_per_engine;
  if (src.space == isa::Space::Hbm) c.hbm_read_bytes = src.bytes();
  if (dst.space == isa::Space::Hbm) c.hbm_write_bytes = dst.bytes();
  return c;
}

}  // namespace npulab::sim
