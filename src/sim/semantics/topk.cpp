// Top-k support on the vector engine: max8 and find_index8.
// Values are compared in FP32 after exact decoding from the source dtype.
//
// max8         dst[p, 0..7] = the 8 largest values of src[p, :] in descending order
//   (a multiset: repeated values appear repeatedly). src needs at least 8 free elements.
//   NaN ranks above +inf (so NaNs, e.g. from uninitialised memory, surface first, like
//   torch.topk); -0 and +0 rank equal. Among equal keys the earlier index comes first.
//   Values are written rounded to dst's dtype (RNE; exact for the same dtype family).
// find_index8  dst[p, j] (I32) = the smallest free index i with src[p, i] == vals[p, j]
//   (FP32 ==, so -0 matches +0; a NaN value matches the first NaN of src), or
//   0xFFFFFFFF (-1 as I32) when absent. vals is [P, 8], dst [P, 8], src [P, F].
#include <cmath>

#include "sim/semantics.h"
#include "sim/semantics/sem_util.h"

namespace npulab::sim {
namespace {

// Strict "ranks above" for max8.
inline bool ranks_above(float a, float b) {
  if (std::isnan(a)) return !std::isnan(b);
  if (std::isnan(b)) return false;
  return a > b;
}

void require_shape(const isa::Instr& in, int slot, uint32_t parts, uint64_t free) {
  const auto& r = in.t[slot];
  if (r.part_count != parts || r.free_elems() != free)
    fail("{}: must be [{} partitions, {} free] but is [{}, {}]", sem::role(in, slot), parts, free,
         r.part_count, r.free_elems());
}

}  // namespace

void sem_max8(const isa::Instr& in, ExecCtx& ctx) {
  sem::check_operands(in, ctx, 2);
  const auto& src = in.t[1];
  const uint32_t P = src.part_count;
  const uint64_t F = src.free_elems();
  if (F < 8) fail("max8: src needs at least 8 free elements, has {}", F);
  require_shape(in, 0, P, 8);
  float* x = sem::fbuf(0, size_t(P) * F);
  float* out = sem::fbuf(1, size_t(P) * 8);
  gather_f32(ctx, src, x, Checked::Yes);
  for (uint32_t p = 0; p < P; ++p) {
    const float* row = x + size_t(p) * F;
    float* top = out + size_t(p) * 8;
    int n = 0;
    for (uint64_t i = 0; i < F; ++i) {
      const float v = row[i];
      if (n == 8 && !ranks_above(v, top[7])) continue;
      // Insert after every kept value that ranks >= v (keeps earlier equals first).
      int pos = n < 8 ? n : 7;
      while (pos > 0 && ranks_above(v, top[pos - 1])) {
        if (pos < 8) top[pos] = top[pos - 1];
        --pos;
      }
      top[pos] = v;
      if (n < 8) ++n;
    }
  }
  scatter_f32(ctx, in.t[0], out, Checked::Yes);
}

void sem_find_index8(const isa::Instr& in, ExecCtx& ctx) {
  sem::check_operands(in, ctx, 3);
  const auto& dst = in.t[0];
  const auto& src = in.t[1];
  const uint32_t P = src.part_count;
  const uint64_t F = src.free_elems();
  require_shape(in, 0, P, 8);
  require_shape(in, 2, P, 8);
  if (dst.dtype != DType::I32) fail("find_index8: dst must be i32, got {}", dtype_name(dst.dtype));
  float* x = sem::fbuf(0, size_t(P) * F);
  float* vals = sem::fbuf(1, size_t(P) * 8);
  auto* idx = sem::scratch<int32_t>(0, size_t(P) * 8);
  gather_f32(ctx, src, x, Checked::Yes);
  gather_f32(ctx, in.t[2], vals, Checked::Yes);
  for (uint32_t p = 0; p < P; ++p) {
    const float* row = x + size_t(p) * F;
    for (int j = 0; j < 8; ++j) {
      const float v = vals[p * 8 + j];
      const bool vnan = std::isnan(v);
      uint32_t found = 0xFFFFFFFFu;
      for (uint64_t i = 0; i < F; ++i)
        if (row[i] == v || (vnan && std::isnan(row[i]))) {
          found = uint32_t(i);
          break;
        }
      idx[p * 8 + j] = int32_t(found);
    }
  }
  sem::scatter_i32(ctx, dst, idx);
}

}  // namespace npulab::sim
