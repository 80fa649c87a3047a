#include "llm/compile/attention_block.h"

#include "llm/compile/decode_attention.h"
#include "llm/compile/patch_sites.h"
#include "llm/compile/tp_reduce.h"

#include <algorithm>
#include <cmath>

namespace npulab::llm::compile {

namespace {
constexpr uint32_t kPrefillHeads = 4;  // query heads sharing one load of K/V in prefill attention
}  // namespace

using isa::AluOp;

void emit_attention_block(KernelCtx& k, const ModelLayout& L, const std::vector<HbmTensor>& H, int64_t layer,
                          const LayerTiles& t, const AttnTiles& a, const StepShape& s) {
  Builder& b = k.b;
  const ModelConfig& c = L.config();
  const LayerSlots& ws = L.weight_slots_of_layer(layer);
  const HbmTensor& K = H[size_t(L.kcache(layer))];
  const HbmTensor& V = H[size_t(L.vcache(layer))];
  const uint32_t T = s.T, dim = uint32_t(c.dim), hd = uint32_t(c.head_dim), NH = uint32_t(c.n_heads),
                 KVH = uint32_t(c.n_kv_heads), qd = uint32_t(c.q_dim()), kvd = uint32_t(c.kv_dim()),
                 grp = NH / KVH, half = hd / 2, P = b.chip().tensor.rows, qkvd = qd + 2 * kvd;
  const int64_t ctx = L.max_context();
  const size_t kes = dtype_size(k.kv);
  const bool interleaved = c.rope_convention == RopeConvention::Interleaved;
  // A bucketed decode program is patched to the later positions of its bucket
  // (patch_decode_step): the KV append is ordered as if it wrote all of those rows, so every
  // attention load of the bucket waits for it whatever position it is patched to.
  const bool bucketed = s.decode && s.key_bucket > 0;

  rmsnorm_T(k, t.xT, t.xn, t.xn2, t.x, H[size_t(ws.attn_norm)], float(c.rms_eps));
  if (c.qkv_bias) b.load(a.bias, H[size_t(ws.bqkv)].broadcast_row(0, T, 0, qkvd));
  // V rows [v0, v0 + nv) of the kv dim (whole heads) -> the cache rows of this step's
  // positions (partition-major: ModelLayout::v_row).
  const int64_t vrows = L.v_rows(), J = L.v_tiles();
  auto store_v = [&](uint32_t v0, uint32_t nv, const Tile& src) {
    isa::TensorRef vd = V.view(0, 1, 0, hd);
    vd.ndim = 2;
    vd.offset += uint64_t(v0 / hd) * uint64_t(vrows) * hd * kes;
    vd.dims[0] = {int32_t(vrows * hd), nv / hd};
    vd.dims[1] = {1, hd};
    b.set_tag(tag(PatchSite::VAppend));
    if (s.decode) {  // one row per sequence
      const uint64_t base = vd.offset;
      vd.offset += uint64_t(L.v_row(s.pos0)) * hd * kes;
      vd.part_stride = int64_t(KVH) * vrows * hd;
      vd.part_count = uint16_t(T);
      if (bucketed) {  // patched later to any position up to the bucket end: all their rows
        const int64_t j0 = s.pos0 / P, nj = (s.bucket_end - 1) / P - j0 + 1;
        isa::TensorRef ext = vd;
        ext.offset = base + uint64_t(j0) * hd * kes;
        ext.ndim = 4;
        ext.dims[1] = {int32_t(J * hd), P};
        ext.dims[2] = {int32_t(hd), uint32_t(nj)};
        ext.dims[3] = {1, hd};
        b.store(vd, src, ext);
      } else {
        b.store(vd, src);
      }
    } else {
      // Prefill: T consecutive positions of one sequence, J rows apart until a position
      // crosses a multiple of P (then the tile index grows): at most two runs for T <= P.
      for (uint32_t t0 = 0; t0 < T;) {
        const int64_t pos = s.pos0 + t0;
        const uint32_t run = uint32_t(std::min<int64_t>(T - t0, P - pos % P));
        isa::TensorRef r = vd;
        r.offset += (uint64_t(s.slot) * KVH * uint64_t(vrows) + uint64_t(L.v_row(pos))) * hd * kes;
        r.part_stride = J * hd;
        r.part_count = uint16_t(run);
        b.store(r, src.parts(t0, run));
        t0 += run;
      }
    }
    b.set_tag(0);
  };
  // One column group of the fused q|k|v [T, n] (FP32, bias not yet added): RoPE on its q/k
  // heads, q/k heads transposed into qT/kT, its V rows appended to the cache.
  auto on_group = [&](uint32_t c0, uint32_t n, const Tile& dst) {
    if (c.qkv_bias) b.tensor_tensor(dst, dst, a.bias.cols(c0, n), AluOp::add);
    // Whole heads: groups are multiples of hd wide (2048 / hd or the whole qkv).
    const uint32_t rope_end = std::min(c0 + n, qd + kvd);
    for (uint32_t h0 = c0; h0 < rope_end; h0 += a.rope_heads * hd) {
      const uint32_t nh = std::min(a.rope_heads, (rope_end - h0) / hd);
      rope(k, dst.cols(h0 - c0, nh * hd), a.cos.cols(0, nh * half), a.sin.cols(0, nh * half), nh, hd,
           interleaved);
    }
    if (c0 < qd) {
      const uint32_t e = std::min(c0 + n, qd);
      transpose_to_chunks(k, a.qT.slice(0, c0 / hd, (e - c0) / hd), dst.cols(0, e - c0), hd);
    }
    if (c0 + n > qd && c0 < qd + kvd) {
      const uint32_t s0 = std::max(c0, qd), e = std::min(c0 + n, qd + kvd);
      transpose_to_chunks(k, a.kT.slice(0, (s0 - qd) / hd, (e - s0) / hd), dst.cols(s0 - c0, e - s0), hd);
    }
    if (c0 + n > qd + kvd) {
      const uint32_t s0 = std::max(c0, qd + kvd);
      store_v(s0 - qd - kvd, c0 + n - s0, dst.cols(s0 - c0, c0 + n - s0));
    }
  };
  const TpShard& sh = L.shard();
  uint32_t group = 0;
  if (!sh.row_split()) {
    project(k, t.xT, P, dim, H[size_t(ws.wqkv)], 0, 0, qkvd, [&](uint64_t c0, uint32_t n, const Tile& acc) {
      Tile dst = a.qkv[group++ % 2].cols(0, n);
      b.tensor_copy(dst, acc, k.evac_engine());
      on_group(uint32_t(c0), n, dst);
    });
  } else {
    // This core's columns [sub * W, (sub + 1) * W) to HBM, then every core's, gathered.
    const uint32_t W = qkvd / uint32_t(sh.attn_subs), subs = uint32_t(sh.attn_subs);
    project(k, t.xT, P, dim, H[size_t(ws.wqkv)], 0, 0, W, [&](uint64_t c0, uint32_t n, const Tile& acc) {
      Tile dst = a.qkv[group++ % 2].cols(0, n);
      b.tensor_copy(dst, acc, k.evac_engine());
      b.store(a.qkv_part.view(0, T, c0, n), dst);
    });
    b.all_gather(a.qkv_all.view(0, subs * T, 0, W), a.qkv_part.view(0, T, 0, W), sh.attn_group());
    const uint32_t G = a.qkv[0].free_elems() < qkvd ? uint32_t(a.qkv[0].free_elems()) : qkvd;
    for (uint32_t c0 = 0; c0 < qkvd; c0 += G) {
      const uint32_t n = std::min(G, qkvd - c0);
      Tile dst = a.qkv[group++ % 2].cols(0, n);
      for (uint32_t p = c0 / W; p * W < c0 + n; ++p) {  // the parts this group's columns come from
        const uint32_t s0 = std::max(c0, p * W), e = std::min(c0 + n, (p + 1) * W);
        b.load(dst.cols(s0 - c0, e - s0), a.qkv_all.view(p * T, T, s0 - p * W, e - s0));
      }
      on_group(c0, n, dst);
    }
  }
  // Append K^T columns to the cache.
  {
    isa::TensorRef kd = K.view(0, hd, 0, 1);
    kd.part_stride = ctx;
    kd.ndim = 2;
    kd.dims[0] = {int32_t(hd * ctx), KVH};
    if (s.decode) {
      kd.offset += uint64_t(s.pos0) * kes;
      kd.dims[1] = {int32_t(int64_t(KVH) * hd * ctx), T};
    } else {
      kd.offset += (uint64_t(s.slot) * KVH * hd * ctx + uint64_t(s.pos0)) * kes;
      kd.dims[1] = {1, T};
    }
    b.set_tag(tag(PatchSite::KAppend));
    if (bucketed) {  // patched later to any column up to the bucket end
      isa::TensorRef ext = kd;
      ext.ndim = 3;
      ext.dims[2] = {1, uint32_t(s.bucket_end - s.pos0)};
      b.store(kd, a.kT, ext);
    } else {
      b.store(kd, a.kT);
    }
    b.set_tag(0);
  }
  // Attention per (sequence, kv head group).
  const float scale = 1.0f / std::sqrt(float(hd));
  const int64_t key_lo = c.sliding_window > 0 ? std::max<int64_t>(0, s.pos0 - c.sliding_window + 1) : 0;
  // Keys are loaded from a multiple of P (whole V tiles); keys before the window are masked.
  const int64_t key_from = key_lo / P * P;
  // This core's rows (all of them unless row-split): decode sequences, prefill positions.
  const auto [r0, r1] = sh.attn_rows(T);
  const uint32_t Tq = r1 - r0;
  if (Tq > 0 && s.decode) {  // every (sequence, kv head) block of the batch, stacked (decode_attention.h)
    DecodeAttn d;
    d.hd = hd;
    d.M = grp;
    d.kv_heads = KVH;
    d.blocks = Tq * KVH;
    d.kT0 = K.view(uint64_t(r0) * KVH * hd, hd, 0, uint32_t(ctx));
    d.k_block_stride = int64_t(hd) * ctx;
    d.v0 = V.view(uint64_t(r0) * KVH * uint64_t(vrows), 1, 0, hd);
    d.v_block_stride = vrows * hd;
    d.v_part_stride = J * hd;
    d.qT = a.qT.slice(1, r0, Tq);
    d.out_T = a.attnT.slice(1, r0, Tq);
    d.key_lo = key_from;
    d.key_first = key_lo;
    d.key_hi = s.bucket_end;
    if (s.key_bucket > 0) d.mask_above = s.pos0;
    d.scale = scale;
    decode_attention(k, d);
  } else if (Tq > 0) {  // per kv head: its query heads x this core's positions of the chunk
                        // (flash_attention.cpp), at most kPrefillHeads per block (their
                        // accumulators live in SBUF side by side)
    for (uint32_t h0 = 0, nh = 0; h0 < NH; h0 += nh) {
      const uint32_t g = h0 / grp;
      nh = std::min(grp - h0 % grp, kPrefillHeads);
      const uint64_t blk_row = uint64_t(s.slot) * KVH + g;  // (sequence, kv head)
      AttnBlock blk;
      blk.heads = nh;
      blk.kT = K.view(blk_row * hd, hd, 0, uint32_t(ctx));
      blk.v = V.view(blk_row * uint64_t(vrows), 1, 0, hd);
      blk.v_part_stride = J * hd;
      blk.scale = scale;
      blk.window = c.sliding_window;
      blk.key_lo = key_from;  // the window mask hides the keys before each row's window
      blk.M = Tq;
      blk.q = a.qT.slice(0, h0, nh).slice(1, r0, Tq);
      blk.key_hi = s.pos0 + r1;
      blk.row_pos0 = s.pos0 + r0;
      blk.out_T = a.attnT.slice(0, h0, nh).slice(1, r0, Tq);
      flash_attention(k, blk, hd);
    }
  }
  if (!sh.row_split()) {
    project(k, a.attnT, hd, qd, H[size_t(ws.wo)], 0, 0, dim,
            [&](uint64_t c0, uint32_t n, const Tile& acc) { residual_add(k, t.x, c0, n, acc); });
    residual_reduce(k, t.x);
    return;
  }
  // Row-split: this core's rows of attnT^T Wo are its partial sum (its other rows zero).
  if (Tq > 0)
    project(k, a.attnT.slice(1, r0, Tq), hd, qd, H[size_t(ws.wo)], 0, 0, dim,
            [&](uint64_t c0, uint32_t n, const Tile& acc) { residual_add_rows(k, c0, n, acc); });
  residual_reduce_rows(k, t.x);
}

}  // namespace npulab::llm::compile
