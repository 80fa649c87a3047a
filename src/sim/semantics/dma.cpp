// dma_copy semantics.
//   dst <- src between any of HBM/SBUF on either side. dst and src must hold the same
//   total number of elements; element i of src in dense row-major order (partition
//   outermost, then the free dims, innermost fastest) goes to element i of dst in the same
//   order, so a DMA may reshape (e.g. an HBM matrix row-block into SBUF partitions).
//   Equal dtypes: raw byte copy (bit-exact, NaN payloads and I32 values preserved).
//   Different dtypes: decode src to FP32 exactly, round to dst's dtype with RNE (and the
//   saturation rules of numerics/dtype.h).
//   The whole source is read before anything is written, so overlapping src/dst behave
//   like a copy through a temporary buffer.
#include "sim/semantics.h"
#include "sim/semantics/sem_util.h"

namespace npulab::sim {

void sem_dma_copy(const isa::Instr& in, ExecCtx& ctx) {
  sem::check_operands(in, ctx, 2);
  const auto& dst = in.t[0];
  const auto& src = in.t[1];
  if (dst.elems() != src.elems())
    fail("dma_copy: dst has {} elements ({} partitions x {}) but src has {} ({} x {})", dst.elems(),
         dst.part_count, dst.free_elems(), src.elems(), src.part_count, src.free_elems());
  sem::copy_cast(ctx, dst, src);
}

}  // namespace npulab::sim
