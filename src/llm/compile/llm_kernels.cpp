// KernelCtx, projections, RMSNorm, transposes and RoPE (flash attention: flash_attention.cpp).
#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "llm/compile/llm_kernels.h"
#include "llm/compile/resident_weights.h"

namespace npulab::llm::compile {

using isa::ActFunc;
using isa::AluOp;
using kernels::Engine;

namespace {
constexpr uint32_t kMaxGroupBanks = 4;  // PSUM banks per projection column group
}  // namespace

KernelCtx::KernelCtx(Builder& bb, DType mm_, DType kv_, uint64_t weight_tile_bytes, uint32_t weight_buffers)
    : b(bb), mm(mm_), kv(kv_), bank_elems(uint32_t(bb.chip().psum.bank_bytes() / 4)),
      banks(bb.chip().psum.banks) {
  psum_all_ = b.psum("psum_all", DType::F32, bb.chip().psum.partitions, {banks * bank_elems});
  wring_elems_ = weight_tile_bytes / dtype_size(mm);
  for (uint32_t i = 0; wring_elems_ && i < weight_buffers; ++i)
    wring_.push_back(b.sbuf(fmt::format("wtile{}", i), mm, bb.chip().tensor.rows, {uint32_t(wring_elems_)}));
}

Tile KernelCtx::psum_banks(uint32_t n) {
  if (n == 0 || n > banks) fail("internal: {} PSUM banks requested, the chip has {}", n, banks);
  if (next_bank_ + n > banks) next_bank_ = 0;
  Tile t = psum_all_.cols(next_bank_ * bank_elems, n * bank_elems);
  next_bank_ = (next_bank_ + n) % banks;
  return t;
}

void KernelCtx::set_rotation(const Rotation& r) {
  next_bank_ = r.next_bank;
  evac_rr_ = r.evac_rr;
  wnext_ = r.wnext;
  attn_rr = r.attn_rr;
}

Engine KernelCtx::evac_engine() { return (evac_rr_++ % 2) ? Engine::Scalar : Engine::Vector; }

Tile KernelCtx::weight_tile() {
  if (wring_.empty()) fail("internal: a weight is streamed but the program has no weight staging ring");
  return wring_[wnext_++ % wring_.size()];
}

Tile KernelCtx::scratch(const std::string& name, DType t, uint32_t parts, uint32_t elems) {
  for (auto& [n, tile] : scratch_)
    if (n == name) {
      if (tile.dtype() != t || tile.partitions() < parts || tile.free_elems() < elems)
        fail("internal: scratch tile '{}' reused with another shape", name);
      return tile;
    }
  scratch_.emplace_back(name, b.sbuf(name, t, parts, {elems}));
  return scratch_.back().second;
}

void project(KernelCtx& k, const Tile& xT, uint32_t kp, uint64_t K, const HbmTensor& W, uint64_t w_row0,
             uint64_t col0, uint64_t ncols, const ProjSink& sink) {
  Builder& b = k.b;
  const uint32_t TN = b.chip().tensor.max_moving_free;
  const uint32_t rows = xT.dim(xT.free_rank() - 1);
  const uint32_t nk = uint32_t((K + kp - 1) / kp);
  if (xT.dim(0) < nk) fail("internal: project: xT has {} chunks, K={} needs {}", xT.dim(0), K, nk);
  const ResidentWeights::Home* home = k.resident ? k.resident->find(W) : nullptr;
  if (home && (home->kp != kp || w_row0 != 0 || k.dynamic_weight))
    fail("internal: project: resident weight '{}' is stored in {}-row chunks from row 0, the projection reads "
         "{}-row chunks from row {}", W.name(), home->kp, kp, w_row0);
  const uint64_t Wcols = W.cols();
  const uint32_t G = uint32_t(std::min<uint64_t>(ncols, uint64_t(kMaxGroupBanks) * TN));
  const uint32_t kq_max = home ? 1 : uint32_t(std::max<uint64_t>(1, k.weight_tile_elems() / G));
  auto kk_of = [&](uint32_t c) { return uint32_t(std::min<uint64_t>(kp, K - uint64_t(c) * kp)); };
  for (uint64_t n0 = col0; n0 < col0 + ncols; n0 += G) {
    const uint32_t g = uint32_t(std::min<uint64_t>(G, col0 + ncols - n0));
    const uint32_t nb = (g + TN - 1) / TN;
    Tile acc = k.psum_banks(nb);
    // Chunk c's matmuls, one per PSUM bank of the group; w = the chunk's [kk, g] weights.
    auto matmuls = [&](uint32_t c, uint32_t kk, const Tile& w) {
      Tile stat = xT.parts(0, kk).slice(0, c, 1).reshape({rows});
      for (uint32_t j = 0; j < nb; ++j) {
        const uint32_t nn = std::min<uint32_t>(TN, g - j * TN);
        b.matmul(acc.parts(0, rows).cols(j * TN, nn), stat, w.slice(1, j * TN, nn).reshape({nn}), c == 0);
      }
    };
    for (uint32_t c0 = 0; c0 < nk;) {
      // Full chunks go together (one DMA of [kp, kq, g]); a short last chunk alone.
      uint32_t kq = 1;
      if (kk_of(c0) == kp)
        while (kq < kq_max && c0 + kq < nk && kk_of(c0 + kq) == kp) ++kq;
      const uint32_t kk = kk_of(c0);
      if (home) {  // resident: straight from the SBUF home, no load
        matmuls(c0, kk, home->tile.parts(0, kk).slice(0, c0, 1).slice(1, uint32_t(n0), g));
        c0 += kq;
        continue;
      }
      Tile wt = k.weight_tile().cols(0, kq * g).reshape({kq, g});
      isa::TensorRef src = W.view(w_row0 + uint64_t(c0) * kp, kk, n0, g);
      src.ndim = 2;
      src.dims[0] = {int32_t(uint64_t(kp) * Wcols), kq};
      src.dims[1] = {1, g};
      if (k.dynamic_weight)
        b.load_indexed(wt.parts(0, kk), src, k.dynamic_weight->index, k.dynamic_weight->reg, k.dynamic_weight->stride,
                       k.dynamic_weight->epoch);
      else
        b.load(wt.parts(0, kk), src);
      for (uint32_t c = 0; c < kq; ++c) matmuls(c0 + c, kk, wt.parts(0, kk).slice(0, c, 1));
      c0 += kq;
    }
    sink(n0, g, acc.parts(0, rows).cols(0, g));
  }
}

void rmsnorm_T(KernelCtx& k, const Tile& xT, const Tile& xn, const Tile& xn2, const Tile& x, const HbmTensor& w,
               float eps) {
  Builder& b = k.b;
  const uint32_t T = x.partitions(), D = uint32_t(x.free_elems()), P = b.chip().tensor.rows;
  const uint32_t nc = (D + P - 1) / P;
  Tile s = k.scratch("norm_ss", DType::F32, 128, 1).parts(0, T);
  Tile r = k.scratch("norm_rstd", DType::F32, 128, 1).parts(0, T);
  const ResidentWeights::Home* home = k.resident ? k.resident->find(w) : nullptr;
  // Feature-major weight wT[p, c] = w[c*128 + p] (the resident home, or loaded), applied
  // while evacuating the transposes. HBM holds it in that layout (model_layout.cpp), so one
  // DMA moves P contiguous rows; gathered from a [dim] vector it cost one descriptor per
  // element, 8,192 of them per norm at dim 8192, on every DMA queue of the core.
  Tile wT = home ? home->tile : k.scratch("norm_w", DType::F32, 128, nc);
  if (!home) {
    if (w.rows() != std::min(D, P) || w.cols() != nc)
      fail("internal: rmsnorm_T: norm '{}' is [{}, {}], a dim-{} norm is stored [{}, {}]", w.name(), w.rows(),
           w.cols(), D, std::min(D, P), nc);
    b.load(wT.parts(0, uint32_t(w.rows())).cols(0, nc), w.view(0, uint32_t(w.rows()), 0, nc));
  }
  // xn holds up to XC columns: wide models normalise in column slices (two alternating
  // buffers) so no full-width FP32 copy of x is needed besides x itself.
  const uint32_t XC = uint32_t(xn.free_elems());
  const uint32_t ns = (D + XC - 1) / XC;
  if (ns == 1) {
    kernels::Act sq;
    sq.accum = &s;  // sum of squares in index order, like the reference loop
    b.activation(xn.cols(0, D), x, ActFunc::square, sq);
  } else {  // per-slice sums of squares, then their sum
    Tile parts = k.scratch("norm_ss_parts", DType::F32, 128, ns).parts(0, T).cols(0, ns);
    for (uint32_t j = 0; j < ns; ++j) {
      const uint32_t w = std::min(XC, D - j * XC);
      Tile sj = parts.cols(j, 1);
      kernels::Act sq;
      sq.accum = &sj;
      Tile junk = (j % 2 ? xn2 : xn).cols(0, w);
      b.activation(junk, x.cols(j * XC, w), ActFunc::square, sq);
    }
    b.tensor_reduce(s, parts, AluOp::add);
  }
  b.tensor_scalar(r, s, AluOp::divide, float(D), AluOp::add, eps);
  b.activation(r, r, ActFunc::rsqrt);
  for (uint32_t j = 0; j < ns; ++j) {
    const uint32_t w = std::min(XC, D - j * XC);
    Tile buf = (j % 2 ? xn2 : xn).cols(0, w);
    b.tensor_scalar(buf, x.cols(j * XC, w), AluOp::multiply, r);  // rstd * x
    const uint32_t c0 = j * XC / P, nc_j = (w + P - 1) / P;
    Tile wTj = wT.slice(0, c0, nc_j);
    // w * (rstd * x), cast to the matmul dtype
    transpose_to_chunks(k, xT.slice(0, c0, nc_j), buf, P, &wTj);
  }
}

void transpose_to_chunks(KernelCtx& k, const Tile& xT, const Tile& src, uint32_t chunk, const Tile* scale) {
  Builder& b = k.b;
  const uint32_t T = src.partitions(), D = uint32_t(src.free_elems());
  const uint32_t nc = (D + chunk - 1) / chunk;
  // Per-feature scale: chunk c of PSUM [w, T] times column c of scale into xT chunk c.
  auto scale_chunk = [&](const Tile& dst, const Tile& ps, uint32_t c, uint32_t w) {
    b.tensor_scalar(dst, ps, AluOp::multiply, scale->parts(0, w).cols(c, 1));
  };
  // A bank's chunks are evacuated by one instruction after its last transpose (scaled or
  // not): one fixed instruction cost per bank, not per chunk, which is what a decode
  // token's [1, dim] row pays most of (64 chunks of one element each at dim 8192).
  const uint32_t Ts = T;
  const uint32_t per_bank = std::max<uint32_t>(1, k.bank_elems / Ts);
  for (uint32_t c0 = 0; c0 < nc; c0 += per_bank) {
    const uint32_t n = std::min(per_bank, nc - c0);
    // Full chunks share one PSUM bank and one evacuation; a short last chunk goes alone.
    uint32_t full = 0;
    while (full < n && (uint64_t(c0 + full) + 1) * chunk <= D) ++full;
    Tile pb = k.psum_banks(1);
    auto one = [&](uint32_t c, uint32_t slot) {
      const uint32_t w = std::min<uint32_t>(chunk, D - c * chunk);
      b.transpose(pb.parts(0, w).cols(slot * Ts, T), src.cols(c * chunk, w));
    };
    if (full) {
      for (uint32_t i = 0; i < full; ++i) one(c0 + i, i);
      Tile dst = xT.parts(0, chunk).slice(0, c0, full);
      Tile srcp = pb.parts(0, chunk).cols(0, full * Ts).reshape({full, Ts}).slice(1, 0, T);
      if (scale)  // one multiply for the bank: the scale's columns repeated along T
        b.tensor_tensor(dst, srcp, scale->parts(0, chunk).cols(c0, full).repeat_inner(T), AluOp::multiply);
      else
        b.tensor_copy(dst, srcp, k.evac_engine());
    }
    for (uint32_t i = full; i < n; ++i) {
      const uint32_t w = D - (c0 + i) * chunk;
      Tile p1 = k.psum_banks(1);
      b.transpose(p1.parts(0, w).cols(0, T), src.cols((c0 + i) * chunk, w));
      Tile dst = xT.parts(0, w).slice(0, c0 + i, 1).reshape({T});
      if (scale)
        scale_chunk(dst, p1.parts(0, w).cols(0, T), c0 + i, w);
      else
        b.tensor_copy(dst, p1.parts(0, w).cols(0, T), k.evac_engine());
    }
  }
}

void rope(KernelCtx& k, const Tile& x, const Tile& cos, const Tile& sin, uint32_t heads, uint32_t hd,
          bool interleaved) {
  Builder& b = k.b;
  const uint32_t T = x.partitions(), half = hd / 2, n = heads * half;
  Tile e, o;
  if (interleaved) {
    Tile v = x.reshape({heads, half, 2});
    e = v.slice(2, 0, 1);
    o = v.slice(2, 1, 1);
  } else {
    Tile v = x.reshape({heads, 2, half});
    e = v.slice(1, 0, 1);
    o = v.slice(1, 1, 1);
  }
  Tile t1 = k.scratch("rope_t1", DType::F32, 128, n).parts(0, T).cols(0, n);
  Tile t2 = k.scratch("rope_t2", DType::F32, 128, n).parts(0, T).cols(0, n);
  // a' = a*c - b*s ; b' = b*c + a*s  (the reference's order of operations). The updates of
  // the interleaved halves stay on one engine: they share 64-byte blocks.
  b.tensor_tensor(t1, e, sin, AluOp::multiply, Engine::GpSimd);
  b.tensor_tensor(t2, o, sin, AluOp::multiply, Engine::GpSimd);
  b.tensor_tensor(e, e, cos, AluOp::multiply);
  b.tensor_tensor(e, e, t2, AluOp::subtract);
  b.tensor_tensor(o, o, cos, AluOp::multiply);
  b.tensor_tensor(o, o, t1, AluOp::add);
}

}  // namespace npulab::llm::compile
