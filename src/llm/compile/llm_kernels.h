// Fused transformer kernels written with the tile builder (kernels/builder.h), used by the
// step compiler (step_compiler.h). Activations are token-major in SBUF ([tokens, features],
// tokens on partitions, FP32) for the elementwise work (RMSNorm, RoPE, softmax, SwiGLU) and
// transposed on the PE into feature-major chunks ([features<=128, chunk, tokens], matmul
// dtype) where they feed the tensor engine as the stationary operand; weights stream
// through as moving tiles [K<=128, N<=512]. Schedules: docs/LLM.md.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "kernels/builder.h"

namespace npulab::llm::compile {

using kernels::Builder;
using kernels::HbmTensor;
using kernels::Tile;
struct DynamicWeight;  // below
class ResidentWeights;  // resident_weights.h
struct TpReduce;        // tp_reduce.h

// Streamed weights go through a ring of SBUF staging buffers (loads run ahead of the PE),
// each kWeightTileBytes per partition (half that for wide models: step_compiler.cpp). A step
// gets the deep ring when its SBUF plan leaves room, else the shallow one (step_compiler.cpp):
// the deeper the ring, the further weight loads run ahead across a layer's serial vector work
// and collectives (a decode token's norms on a [1, dim] row), which the DMA queues otherwise
// sit out. kWeightBuffers is also the SBUF that resident weights may use instead.
constexpr uint32_t kWeightBuffers = 3;
constexpr uint32_t kDeepWeightBuffers = 6;
constexpr uint64_t kWeightTileBytes = 16 * 1024;

// Shared state of one step program: PSUM banks handed out round robin (so one group's
// accumulation overlaps the previous group's evacuation), a ring of weight staging tiles,
// and an alternation of evacuation engines (DVE / ACT).
class KernelCtx {
 public:
  // weight_tile_bytes 0: no staging ring (every weight resident; weight_tile() fails).
  KernelCtx(Builder& b, DType mm, DType kv, uint64_t weight_tile_bytes, uint32_t weight_buffers = kWeightBuffers);
  Builder& b;
  const DType mm, kv;
  const uint32_t bank_elems, banks;
  // `n` consecutive PSUM banks as an FP32 tile [128, n * bank_elems].
  Tile psum_banks(uint32_t n);
  kernels::Engine evac_engine();
  // The next weight staging tile, [128, elems] in the matmul dtype.
  Tile weight_tile();
  uint64_t weight_tile_elems() const { return wring_elems_; }
  // Small SBUF tile cache keyed by use (reused across layers; the builder orders reuse).
  Tile scratch(const std::string& name, DType t, uint32_t parts, uint32_t elems);
  uint32_t attn_rr = 0;  // alternates the attention K/V staging buffers
  const DynamicWeight* dynamic_weight = nullptr;  // see DynamicWeight (null: static weights)
  // Weights with an SBUF home (null: every weight streams from HBM): project() and
  // rmsnorm_T() read those from their homes instead of loading them.
  const ResidentWeights* resident = nullptr;
  // A tensor-parallel rank (null: one core): row-parallel projections add into its partial
  // sum, all-reduced once per block (residual_add / residual_reduce, tp_reduce.h).
  const TpReduce* tp = nullptr;
  // The round-robin positions (PSUM bank, evacuation engine, weight buffer, attention
  // buffers): a register loop body restores them so every iteration emits the same code.
  struct Rotation {
    uint32_t next_bank, evac_rr, wnext, attn_rr;
  };
  Rotation rotation() const { return {next_bank_, evac_rr_, wnext_, attn_rr}; }
  void set_rotation(const Rotation& r);

 private:
  Tile psum_all_;
  uint32_t next_bank_ = 0, evac_rr_ = 0, wnext_ = 0;
  uint64_t wring_elems_ = 0;
  std::vector<Tile> wring_;
  std::vector<std::pair<std::string, Tile>> scratch_;
};

// A weight matrix chosen at run time (MoE: a routed expert). While KernelCtx::dynamic_weight
// is set, project() loads W's tiles at their address plus value(index) * stride bytes
// (Builder::load_indexed through register `reg` of each DMA queue).
struct DynamicWeight {
  Tile index;          // one i32 in SBUF
  int64_t stride = 0;  // bytes between consecutive index values' matrices
  uint8_t reg = 0;
  uint64_t epoch = 0;  // new value whenever `index` may have been rewritten (Builder::load_indexed)
};

// Receives one group of accumulated projection columns: acc is PSUM [rows, ncols] FP32
// holding output columns [col0, col0 + ncols).
using ProjSink = std::function<void(uint64_t col0, uint32_t ncols, const Tile& acc)>;

// out = x @ W[:, col0:col0+ncols] for the `rows` tokens of xT, where xT is feature-major
// [kp, nk, rows] (chunk c holds W rows w_row0 + c*kp ...; the last chunk may hold only
// K - (nk-1)*kp rows). Output columns come in groups of up to 4 PSUM banks.
void project(KernelCtx& k, const Tile& xT, uint32_t kp, uint64_t K, const HbmTensor& W, uint64_t w_row0,
             uint64_t col0, uint64_t ncols, const ProjSink& sink);

// RMSNorm straight into the feature-major matmul input: xn = x / sqrt(mean(x^2) + eps)
// token-major, then xT = w * transpose(xn), the weight applied per partition while
// evacuating the transposes (same rounding order as the reference; a resident w is read
// from its SBUF home as one per-partition scalar per chunk). xn, xn2: FP32 scratch
// [T, XC] (XC a multiple of 128): models wider than XC go in column slices alternating over
// the two buffers, with the sum of squares summed per slice and then over slices.
void rmsnorm_T(KernelCtx& k, const Tile& xT, const Tile& xn, const Tile& xn2, const Tile& x, const HbmTensor& w,
               float eps);

// xT[:, c, :] = transpose(src[:, c*chunk : (c+1)*chunk]) times an optional per-feature
// scale, cast to xT's dtype (src [T, D] FP32, xT [chunk.., ceil(D/chunk), T]). The scale is
// a column per chunk [chunk, nc]: scale[:, c] times every token, one tensor_scalar per chunk.
void transpose_to_chunks(KernelCtx& k, const Tile& xT, const Tile& src, uint32_t chunk,
                         const Tile* scale = nullptr);

// In-place RoPE on x [T, heads*hd] FP32 with per-token tables cos/sin [T, heads*hd/2].
void rope(KernelCtx& k, const Tile& x, const Tile& cos, const Tile& sin, uint32_t heads, uint32_t hd,
          bool interleaved);

// Masked scores: finite, so exp(fill*scale - m) == 0 without inf - inf.
constexpr float kMaskFill = -3.0e38f;

// Running state of an online (flash) softmax over key super-chunks, rows on partitions
// ([rows, 1] FP32 tiles): the running max (two tiles, swapped per chunk), the chunk's rescale
// alpha = exp(m_old - m_new), -m, the chunk's row sums and the running sum l.
struct OnlineSoftmax {
  Tile m_cur, m_old, mx, alpha, negm, rsum, l;
  float scale = 1.0f;
};
// One super-chunk of scores S [rows, n]: P = exp(S*scale - m') into p (one ACT instruction,
// its row sums too) with m' = max(m, rowmax(S)*scale), alpha = exp(m - m'),
// l = l*alpha + rowsum(P); the first chunk sets m' = rowmax(S)*scale and l = rowsum(P).
// The accumulator's rescale by alpha is the caller's (its layout differs per kernel).
void online_softmax_chunk(Builder& b, OnlineSoftmax& st, const Tile& S, const Tile& p, bool first);

// Causal (prefill) flash attention of the query heads of one (sequence, kv head) of the
// cache: M consecutive positions each; every K/V tile is loaded once for all the heads.
// Decode attention: decode_attention.h.
struct AttnBlock {
  uint32_t heads = 1;  // query heads sharing this kv head (GQA group)
  Tile q;              // stationaries [hd, heads, M] (kv dtype): M query rows per head
  uint32_t M = 0;
  isa::TensorRef kT;   // K^T cache of this (slot, kv head): [hd rows, max_ctx] (row stride max_ctx)
  isa::TensorRef v;    // V cache of this (slot, kv head), partition-major (ModelLayout::v_row): its row 0
  int64_t v_part_stride = 0;  // elements between the rows of keys p and p+1 of a 128-key tile
  int64_t key_lo = 0, key_hi = 0;  // keys [key_lo, key_hi) are loaded; key_lo a multiple of 128
  // Causal mask: row m (position row_pos0 + m) sees keys <= row_pos0 + m; with window > 0
  // only keys > row_pos0 + m - window.
  int64_t row_pos0 = 0;
  int64_t window = 0;
  float scale = 1.0f;
  Tile out_T;          // destination [hd, heads, M] (any dtype, strided ok): the normalised outputs^T
};
void flash_attention(KernelCtx& k, const AttnBlock& a, uint32_t hd);

}  // namespace npulab::llm::compile
