// The per-step program (docs/LLM.md, "A step program"):
//   x[T, dim] = embed rows (DMA per token to an HBM staging row, then one load)
//   per layer: xn = RMSNorm(x); xT = PE-transpose(xn)
//              qkv = xT^T Wqkv (+ bias); RoPE on q and k (token-major, tables per position)
//              qT, kT = per-head PE transposes; K^T and V appended to the HBM KV cache
//              per (sequence, head group): flash attention -> attnT [hd, heads, T]
//              x += attnT^T Wo   (contraction per head)
//              xn = RMSNorm(x); per 2048 hidden columns: h = silu(xT^T W1) * (xT^T W3), hT
//              x += hT^T W2
//   logits = RMSNorm(x)[rows] @ classifier -> HBM (FP32)
#include "llm/compile/step_compiler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "llm/compile/ffn_block.h"
#include "llm/compile/llm_kernels.h"
#include "llm/compile/moe_ffn.h"

namespace npulab::llm::compile {

using isa::ActFunc;
using isa::AluOp;

namespace {
constexpr uint32_t kMlpGroup = 2048;  // hidden columns per SwiGLU group (as in ffn_block.cpp)
constexpr uint32_t kNormSlice = 2048;  // RMSNorm column slice of wide models (multiple of 128)
constexpr uint32_t kRopeHeads = 16;   // heads per RoPE pass (bounds the SBUF for tables)
constexpr uint32_t kLogitsCols = 1024;  // logits staged in SBUF per store

uint32_t cdiv(uint64_t a, uint64_t b) { return uint32_t((a + b - 1) / b); }
}  // namespace

StepProgram compile_step(const ModelLayout& L, const StepSpec& spec) {
  const ModelConfig& c = L.config();
  const arch::ChipConfig& chip = L.chip();
  const bool decode = spec.kind == StepSpec::Kind::Decode;
  const uint32_t T = uint32_t(spec.tokens.size());
  const int64_t ctx = L.max_context(), B = L.options().batch;
  if (T == 0) fail("compile_step: no tokens");
  if (T > chip.tensor.cols) fail("compile_step: {} tokens in one step; at most {}", T, chip.tensor.cols);
  if (decode && int64_t(T) != B)
    fail("compile_step: decode step has {} tokens but the batch is {}", T, B);
  if (!decode && (spec.slot < 0 || spec.slot >= B)) fail("compile_step: KV slot {} outside batch {}", spec.slot, B);
  const int64_t last_pos = spec.pos0 + (decode ? 0 : int64_t(T) - 1);
  if (spec.pos0 < 0 || last_pos >= ctx)
    fail("position {} is beyond the context length {} of model '{}'", last_pos, ctx, c.name);
  for (int64_t t : spec.tokens)
    if (t < 0 || t >= c.vocab_size) fail("token {} outside the vocabulary of {} ({})", t, c.vocab_size, c.name);

  kernels::BuilderOptions bo;
  bo.validate = false;  // sim::Chip::run validates every executable it runs
  kernels::Builder b(chip, fmt::format("{}_{}_pos{}_T{}", c.name, decode ? "decode" : "prefill", spec.pos0, T), bo);
  const std::vector<HbmTensor> H = L.declare(b);
  const DType mm = L.mm_dtype(), kv = L.kv_dtype();
  const uint32_t dim = uint32_t(c.dim), hd = uint32_t(c.head_dim), NH = uint32_t(c.n_heads),
                 KVH = uint32_t(c.n_kv_heads), qd = uint32_t(c.q_dim()), kvd = uint32_t(c.kv_dim()),
                 hid = uint32_t(c.hidden_dim), grp = NH / KVH, half = hd / 2, P = chip.tensor.rows;
  const uint32_t qkvd = qd + 2 * kvd;
  const float eps = float(c.rms_eps);
  const uint32_t rows_out = spec.logits ? (decode ? T : 1) : 0;

  HbmTensor stage = b.scratch("embed_stage", kv, {T, dim});
  int64_t bucket_end = spec.pos0 + 1;
  if (decode && spec.key_bucket > 0) {
    if (c.sliding_window > 0) fail("compile_step: key buckets need full attention (model has a sliding window)");
    bucket_end = std::min<int64_t>(ctx, (spec.pos0 / spec.key_bucket + 1) * spec.key_bucket);
  }
  HbmTensor logits;
  if (rows_out) logits = b.output("logits", DType::F32, {rows_out, uint64_t(c.vocab_size)});

  // Weight staging: 3 x 16 KiB per partition (24 KiB tiles or a 4th buffer simulated no faster).
  KernelCtx k(b, mm, kv, 16 * 1024);
  Tile x = b.sbuf("x", DType::F32, T, {dim});
  // Normalised activations: the whole row when dim <= 2048, else 2048-column slices.
  const uint32_t xc = dim <= kNormSlice ? dim : kNormSlice;
  Tile xn = b.sbuf("xn", DType::F32, T, {xc});
  Tile xn2 = dim <= kNormSlice ? xn : b.sbuf("xn2", DType::F32, T, {xc});
  // Feature-major tiles [features, chunk, T]: each chunk's T columns padded to 64 bytes, so
  // chunks written and read by different engines never share a race-detector block.
  auto fm_tile = [&](const char* name, DType t, uint32_t parts, uint32_t chunks) {
    const uint32_t per64 = uint32_t(64 / dtype_size(t));
    return b.sbuf(name, t, parts, {chunks, cdiv(T, per64) * per64}).slice(1, 0, T);
  };
  Tile xT = fm_tile("xT", mm, P, cdiv(dim, P));
  Tile qkv = b.sbuf("qkv", DType::F32, T, {qkvd});
  Tile qT = fm_tile("qT", kv, hd, NH);
  Tile kT = fm_tile("kT", kv, hd, KVH);
  Tile attnT = fm_tile("attnT", mm, hd, NH);
  Tile h1 = b.sbuf("h1", DType::F32, T, {std::min(hid, kMlpGroup)});
  Tile gT = fm_tile("gT", mm, P, cdiv(hid, P));
  // RoPE tables for a group of up to kRopeHeads heads (the same rows serve every group).
  const uint32_t rope_heads = std::min(NH + KVH, kRopeHeads);
  Tile cosT = b.sbuf("rope_cos", DType::F32, T, {rope_heads * half});
  Tile sinT = b.sbuf("rope_sin", DType::F32, T, {rope_heads * half});
  Tile bias;
  if (c.qkv_bias) bias = b.sbuf("bqkv", DType::F32, T, {qkvd});

  // ---- embedding: rows at static offsets -> HBM staging [T, dim] -> x (FP32)
  for (uint32_t t = 0; t < T; ++t)
    b.dma_copy(stage.view(t, 1, 0, dim), H[L.embed].view(uint64_t(spec.tokens[t]), 1, 0, dim));
  b.load(x, stage.view(0, T, 0, dim));

  // ---- RoPE tables for these positions, repeated over q and k heads (stride-0 dim)
  for (auto [tile, slot] : {std::pair{cosT, L.rope_cos}, std::pair{sinT, L.rope_sin}}) {
    isa::TensorRef src = H[slot].view(uint64_t(spec.pos0), 1, 0, half);
    src.part_count = uint16_t(T);
    src.part_stride = decode ? 0 : half;
    src.ndim = 2;
    src.dims[0] = {0, rope_heads};
    src.dims[1] = {1, half};
    b.load(tile, src);
  }

  auto add_into_x = [&](uint64_t c0, uint32_t n, const Tile& acc) { add_into_residual(k, x, c0, n, acc); };
  const LayerTiles tiles{x, xn, xn2, xT, h1, gT};
  const bool interleaved = c.rope_convention == RopeConvention::Interleaved;
  const size_t kes = dtype_size(kv);

  for (int64_t layer = 0; layer < c.n_layers; ++layer) {
    const LayerSlots& ws = L.weight_slots_of_layer(layer);
    const HbmTensor& K = H[L.kcache(layer)];
    const HbmTensor& V = H[L.vcache(layer)];
    // ---- attention block
    rmsnorm_T(k, xT, xn, xn2, x, H[ws.attn_norm], eps);
    if (c.qkv_bias) b.load(bias, H[ws.bqkv].broadcast_row(0, T, 0, qkvd));
    project(k, xT, P, dim, H[ws.wqkv], 0, 0, qkvd, [&](uint64_t c0, uint32_t n, const Tile& acc) {
      Tile dst = qkv.cols(uint32_t(c0), n);
      if (c.qkv_bias) b.tensor_tensor(dst, acc, bias.cols(uint32_t(c0), n), AluOp::add);
      else b.tensor_copy(dst, acc, k.evac_engine());
    });
    for (uint32_t h0 = 0; h0 < NH + KVH; h0 += rope_heads) {
      const uint32_t nh = std::min(rope_heads, NH + KVH - h0);
      rope(k, qkv.cols(h0 * hd, nh * hd), cosT.cols(0, nh * half), sinT.cols(0, nh * half), nh, hd, interleaved);
    }
    transpose_to_chunks(k, qT, qkv.cols(0, qd), hd);
    transpose_to_chunks(k, kT, qkv.cols(qd, kvd), hd);
    // Append K^T columns and V rows to the cache.
    {
      isa::TensorRef kd = K.view(0, hd, 0, 1);
      kd.part_stride = ctx;
      kd.ndim = 2;
      isa::TensorRef vd = V.view(0, 1, 0, hd);
      vd.ndim = 2;
      if (decode) {
        kd.offset += uint64_t(spec.pos0) * kes;
        kd.dims[0] = {int32_t(hd * ctx), KVH};
        kd.dims[1] = {int32_t(int64_t(KVH) * hd * ctx), T};
        vd.offset += uint64_t(spec.pos0) * hd * kes;
        vd.part_count = uint16_t(T);
        vd.part_stride = int64_t(KVH) * ctx * hd;
      } else {
        kd.offset += (uint64_t(spec.slot) * KVH * hd * ctx + uint64_t(spec.pos0)) * kes;
        kd.dims[0] = {int32_t(hd * ctx), KVH};
        kd.dims[1] = {1, T};
        vd.offset += (uint64_t(spec.slot) * KVH * ctx + uint64_t(spec.pos0)) * hd * kes;
        vd.part_count = uint16_t(T);
        vd.part_stride = hd;
      }
      vd.dims[0] = {int32_t(ctx * hd), KVH};
      vd.dims[1] = {1, hd};
      b.store(kd, kT);
      b.store(vd, qkv.cols(qd + kvd, kvd));
    }
    // Attention per (sequence, kv head group).
    const float scale = 1.0f / std::sqrt(float(hd));
    auto cache_refs = [&](int64_t slot, uint32_t g, AttnBlock& a) {
      a.kT = K.view((uint64_t(slot) * KVH + g) * hd, hd, 0, uint32_t(ctx));
      a.v = V.view((uint64_t(slot) * KVH + g) * ctx, 1, 0, hd);
      a.scale = scale;
      a.window = c.sliding_window;
    };
    if (decode) {
      for (uint32_t s = 0; s < T; ++s)
        for (uint32_t g = 0; g < KVH; ++g) {
          AttnBlock a;
          cache_refs(s, g, a);
          a.M = grp;
          a.q = qT.slice(0, g * grp, grp).slice(1, s, 1);
          a.key_hi = bucket_end;
          if (spec.key_bucket > 0) a.mask_above = spec.pos0;
          a.key_lo = c.sliding_window > 0 ? std::max<int64_t>(0, spec.pos0 - c.sliding_window + 1) : 0;
          a.out_T = attnT.slice(0, g * grp, grp).slice(1, s, 1);
          flash_attention(k, a, hd);
        }
    } else {
      for (uint32_t h = 0; h < NH; ++h) {
        AttnBlock a;
        cache_refs(spec.slot, h / grp, a);
        a.M = T;
        a.q = qT.slice(0, h, 1).reshape({T});
        a.key_hi = spec.pos0 + T;
        a.key_lo = c.sliding_window > 0 ? std::max<int64_t>(0, spec.pos0 - c.sliding_window + 1) : 0;
        a.causal_rows = true;
        a.row_pos0 = spec.pos0;
        a.out_T = attnT.slice(0, h, 1).reshape({T});
        flash_attention(k, a, hd);
      }
    }
    project(k, attnT, hd, qd, H[ws.wo], 0, 0, dim, add_into_x);

    // ---- feed-forward block (RMSNorm + SwiGLU MLP + residual)
    if (c.is_moe()) emit_moe_ffn(k, L, H, layer, tiles);
    else emit_dense_ffn(k, L, H, layer, tiles);
  }

  StepProgram out;
  if (rows_out) {
    rmsnorm_T(k, xT, xn, xn2, x, H[L.final_norm], eps);
    // Prefill: only the last token's logits (its column of xT is the stationary operand).
    const Tile sel = decode ? xT : xT.slice(1, T - 1, 1);
    uint32_t flip = 0;
    project(k, sel, P, dim, H[L.classifier], 0, 0, uint64_t(c.vocab_size),
            [&](uint64_t c0, uint32_t n, const Tile& acc) {
              for (uint32_t j = 0; j < n; j += kLogitsCols) {
                const uint32_t m = std::min(kLogitsCols, n - j);
                Tile lg = k.scratch(fmt::format("logits_sb{}", flip++ % 2), DType::F32, P, kLogitsCols)
                              .parts(0, rows_out)
                              .cols(0, m);
                b.tensor_copy(lg, acc.cols(j, m), k.evac_engine());
                b.store(logits.view(0, rows_out, c0 + j, m), lg);
              }
            });
  }
  if (rows_out) {
    out.logits_offset = logits.offset();
    out.stage_offset = stage.offset();
    out.bucket_end = bucket_end;
    out.logits_rows = rows_out;
  }
  out.exe = b.finish();
  return out;
}

void patch_decode_step(const ModelLayout& L, StepProgram& prog, int64_t old_pos, const std::vector<int64_t>& old_tok,
                       int64_t new_pos, const std::vector<int64_t>& new_tok) {
  const ModelConfig& c = L.config();
  if (old_tok.size() != new_tok.size()) fail("internal: patch_decode_step changes the batch");
  if (new_pos >= prog.bucket_end || new_pos < 0) fail("internal: position {} outside the program's bucket", new_pos);
  const int64_t dpos = new_pos - old_pos;
  const uint64_t kes = dtype_size(L.kv_dtype()), row = uint64_t(c.dim) * kes, half = uint64_t(c.head_dim / 2);
  auto in = [](const HbmSlot& s, uint64_t off) { return off >= s.offset && off < s.offset + s.bytes(); };
  const HbmSlot &emb = L.slot(L.embed), &rc = L.slot(L.rope_cos), &rs = L.slot(L.rope_sin);
  std::vector<const HbmSlot*> ks, vs;
  for (int64_t l = 0; l < c.n_layers; ++l) {
    ks.push_back(&L.slot(L.kcache(l)));
    vs.push_back(&L.slot(L.vcache(l)));
  }
  auto in_any = [&](const std::vector<const HbmSlot*>& v, uint64_t off) {
    for (auto* s : v)
      if (in(*s, off)) return true;
    return false;
  };
  for (auto& stream : prog.exe.cores[0].streams)
    for (isa::Instr& ins : stream) {
      if (ins.op == isa::Opcode::affine_select) {
        ins.iimm0 += dpos;  // decode programs mask only the bucket tail
        continue;
      }
      if (ins.op != isa::Opcode::dma_copy) continue;
      isa::TensorRef &dst = ins.t[0], &src = ins.t[1];
      if (src.space == isa::Space::Hbm && in(emb, src.offset) && dst.space == isa::Space::Hbm) {
        const uint64_t t = (dst.offset - prog.stage_offset) / row;
        src.offset += uint64_t((new_tok[t] - old_tok[t]) * int64_t(row));
      } else if (src.space == isa::Space::Hbm && (in(rc, src.offset) || in(rs, src.offset))) {
        src.offset += uint64_t(dpos * int64_t(half * 4));
      } else if (dst.space == isa::Space::Hbm && in_any(ks, dst.offset)) {
        dst.offset += uint64_t(dpos * int64_t(kes));
      } else if (dst.space == isa::Space::Hbm && in_any(vs, dst.offset)) {
        dst.offset += uint64_t(dpos * int64_t(uint64_t(c.head_dim) * kes));
      }
    }
}

}  // namespace npulab::llm::compile
