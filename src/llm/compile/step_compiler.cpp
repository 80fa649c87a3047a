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
#include <optional>

#include "common/error.h"
#include "isa/opcode_table.h"
#include "llm/compile/attention_block.h"
#include "llm/compile/ffn_block.h"
#include "llm/compile/llm_kernels.h"
#include "llm/compile/moe_ffn.h"
#include "llm/compile/patch_sites.h"
#include "llm/compile/resident_weights.h"
#include "llm/compile/tp_reduce.h"

namespace npulab::llm::compile {


namespace {
constexpr uint32_t kMlpGroup = 2048;  // hidden columns per SwiGLU group (ffn_block.cpp, moe_ffn.cpp)
constexpr uint32_t kNormSlice = 2048;  // RMSNorm column slice of wide models (multiple of 128)
constexpr uint32_t kWideDim = 8192;    // wider models use the compact SBUF plan
constexpr uint32_t kProjGroupBanks = 4;  // PSUM banks per projection column group (llm_kernels.cpp)
constexpr uint32_t kRopeHeads = 16;   // heads per RoPE pass (bounds the SBUF for tables)
constexpr uint32_t kLogitsCols = 1024;  // logits staged in SBUF per store

uint32_t cdiv(uint64_t a, uint64_t b) { return uint32_t((a + b - 1) / b); }

void check_spec(const ModelLayout& L, const StepSpec& spec) {
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
}

kernels::BuilderOptions builder_options(const ModelLayout& L) {
  kernels::BuilderOptions bo;
  bo.validate = false;  // sim::Chip::run validates every executable it runs
  bo.unroll_loops = L.options().unroll_layers;
  return bo;
}

std::string step_name(const ModelLayout& L, const StepSpec& spec) {
  return fmt::format("{}_{}_pos{}_T{}", L.config().name, spec.kind == StepSpec::Kind::Decode ? "decode" : "prefill",
                     spec.pos0, spec.tokens.size());
}

uint32_t logits_rows_of(const StepSpec& spec) {
  return spec.logits ? (spec.kind == StepSpec::Kind::Decode ? uint32_t(spec.tokens.size()) : 1) : 0;
}

// What one core's step program tells the runner (StepProgram).
struct EmittedStep {
  uint64_t stage_offset = 0, logits_offset = 0;
  int64_t bucket_end = 0;
};

// The step program of one core: the whole model, or a tensor-parallel rank's share
// (`ranks` > 1: its logits columns go to `shared_logits`, its row-parallel outputs are
// all-reduced, tp_reduce.h). H: the tensors L.declare() declared on b.
EmittedStep emit_step(Builder& b, const ModelLayout& L, const std::vector<HbmTensor>& H, const StepSpec& spec,
                      uint32_t ranks, const HbmTensor* shared_logits, uint32_t weight_buffers) {
  const ModelConfig& c = L.config();
  const arch::ChipConfig& chip = L.chip();
  const bool decode = spec.kind == StepSpec::Kind::Decode;
  const uint32_t T = uint32_t(spec.tokens.size());
  const int64_t ctx = L.max_context();
  // Resident weights: their SBUF homes first, at the offsets the preload filled.
  std::optional<ResidentWeights> resident;
  if (L.resident_weights()) resident.emplace(b, L, H);
  const DType mm = L.mm_dtype(), kv = L.kv_dtype();
  const uint32_t dim = uint32_t(c.dim), hd = uint32_t(c.head_dim), NH = uint32_t(c.n_heads),
                 KVH = uint32_t(c.n_kv_heads), qd = uint32_t(c.q_dim()), kvd = uint32_t(c.kv_dim()),
                 hid = uint32_t(c.hidden_dim), half = hd / 2, P = chip.tensor.rows;
  const uint32_t qkvd = qd + 2 * kvd;
  const float eps = float(c.rms_eps);
  const uint32_t rows_out = logits_rows_of(spec);

  HbmTensor stage = b.scratch("embed_stage", kv, {T, dim});
  int64_t bucket_end = spec.pos0 + 1;
  if (decode && spec.key_bucket > 0) {
    if (c.sliding_window > 0) fail("compile_step: key buckets need full attention (model has a sliding window)");
    bucket_end = std::min<int64_t>(ctx, (spec.pos0 / spec.key_bucket + 1) * spec.key_bucket);
  }
  HbmTensor logits;
  if (rows_out) logits = shared_logits ? *shared_logits : b.output("logits", DType::F32, {rows_out, uint64_t(c.vocab_size)});
  std::optional<TpReduce> tp;  // a rank: its row-parallel outputs are all-reduced
  if (ranks > 1) {
    std::optional<std::pair<uint32_t, uint32_t>> rows;
    if (L.shard().row_split()) rows = L.shard().attn_rows(T);
    tp = make_tp_reduce(b, ranks, T, dim, kv, rows);
  }

  // Weight staging: `weight_buffers` x 16 KiB per partition (compile_step: the deep ring if it fits).
  // Wide models (dim > 8192: Llama-3.1-405B) hold a 64 KiB FP32 residual row per partition,
  // so they stage weights in 8 KiB tiles (still >= 2 KiB per partition per DMA), normalise
  // in 1024-column slices and run SwiGLU in 1024-column groups (SBUF plan: docs/LLM.md).
  // Resident weights need no staging (their homes take that SBUF instead).
  const bool wide = dim > kWideDim;
  KernelCtx k(b, mm, kv, resident ? 0 : wide ? kWeightTileBytes / 2 : kWeightTileBytes, weight_buffers);
  if (resident) k.resident = &*resident;
  if (tp) k.tp = &*tp;
  Tile x = b.sbuf("x", DType::F32, T, {dim});
  // Normalised activations: the whole row when dim <= the slice, else column slices.
  const uint32_t slice = wide ? kNormSlice / 2 : kNormSlice;
  const uint32_t xc = dim <= slice ? dim : slice;
  Tile xn = b.sbuf("xn", DType::F32, T, {xc});
  Tile xn2 = dim <= slice ? xn : b.sbuf("xn2", DType::F32, T, {xc});
  // Feature-major tiles [features, chunk, T]: each chunk's T columns padded to 64 bytes, so
  // chunks written and read by different engines never share a race-detector block.
  auto fm_tile = [&](const char* name, DType t, uint32_t parts, uint32_t chunks) {
    const uint32_t per64 = uint32_t(64 / dtype_size(t));
    return b.sbuf(name, t, parts, {chunks, cdiv(T, per64) * per64}).slice(1, 0, T);
  };
  Tile xT = fm_tile("xT", mm, P, cdiv(dim, P));
  // QKV projection column groups (whole heads each), two alternating buffers.
  const uint32_t qkv_group = std::min(qkvd, kProjGroupBanks * chip.tensor.max_moving_free);
  if (qkv_group < qkvd && qkv_group % hd)
    fail("model '{}': head_dim {} does not divide the {}-column QKV projection groups", c.name, hd, qkv_group);
  Tile qkv0 = b.sbuf("qkv0", DType::F32, T, {qkv_group});
  Tile qkv1 = qkv_group < qkvd ? b.sbuf("qkv1", DType::F32, T, {qkv_group}) : qkv0;
  Tile qT = fm_tile("qT", kv, hd, NH);
  Tile kT = fm_tile("kT", kv, hd, KVH);
  Tile attnT = fm_tile("attnT", mm, hd, NH);
  // SwiGLU groups: 2048 hidden columns (four PSUM banks); 1024 for wide dense models with
  // more than one token (their bigger feature-major tiles; one token keeps the faster 2048).
  const uint32_t mlp_group = wide && T > 1 && !c.is_moe() ? kMlpGroup / 2 : kMlpGroup;
  Tile h1 = b.sbuf("h1", DType::F32, T, {std::min(hid, mlp_group)});
  Tile gT = fm_tile("gT", mm, P, cdiv(hid, P));
  // RoPE tables for a group of up to kRopeHeads heads (the same rows serve every group).
  const uint32_t rope_heads = std::min(NH + KVH, kRopeHeads);
  Tile cosT = b.sbuf("rope_cos", DType::F32, T, {rope_heads * half});
  Tile sinT = b.sbuf("rope_sin", DType::F32, T, {rope_heads * half});
  Tile bias;
  if (c.qkv_bias) bias = b.sbuf("bqkv", DType::F32, T, {qkvd});

  // ---- embedding: rows at static offsets -> HBM staging [T, dim] -> x (FP32)
  b.set_tag(tag(PatchSite::EmbedRow));
  for (uint32_t t = 0; t < T; ++t)
    b.dma_copy(stage.view(t, 1, 0, dim), H[L.embed].view(uint64_t(spec.tokens[t]), 1, 0, dim));
  b.set_tag(0);
  b.load(x, stage.view(0, T, 0, dim));

  // ---- RoPE tables for these positions, repeated over q and k heads (stride-0 dim)
  for (auto [tile, slot] : {std::pair{cosT, L.rope_cos}, std::pair{sinT, L.rope_sin}}) {
    isa::TensorRef src = H[slot].view(uint64_t(spec.pos0), 1, 0, half);
    src.part_count = uint16_t(T);
    src.part_stride = decode ? 0 : half;
    src.ndim = 2;
    src.dims[0] = {0, rope_heads};
    src.dims[1] = {1, half};
    b.set_tag(tag(PatchSite::RopeRow));
    b.load(tile, src);
    b.set_tag(0);
  }

  const LayerTiles tiles{x, xn, xn2, xT, h1, gT};
  AttnTiles attn;
  attn.qkv[0] = qkv0;
  attn.qkv[1] = qkv1;
  attn.qT = qT;
  attn.kT = kT;
  attn.attnT = attnT;
  attn.cos = cosT;
  attn.sin = sinT;
  attn.bias = bias;
  attn.rope_heads = rope_heads;
  if (L.shard().row_split()) {  // the logical core's q|k|v columns, gathered from its cores
    const uint64_t subs = uint64_t(L.shard().attn_subs), W = qkvd / subs;
    attn.qkv_part = b.scratch("qkv_part", DType::F32, {T, W});
    attn.qkv_all = b.scratch("qkv_all", DType::F32, {subs * T, W});
  }
  const StepShape shape{decode, T, spec.pos0, spec.slot, spec.key_bucket, bucket_end};

  auto emit_layer = [&](int64_t layer) {
    emit_attention_block(k, L, H, layer, tiles, attn, shape);
    // ---- feed-forward block (RMSNorm + SwiGLU MLP + residual)
    if (c.is_moe()) emit_moe_ffn(k, L, H, layer, tiles);
    else emit_dense_ffn(k, L, H, layer, tiles);
  };
  // The layers as one register loop (docs/LLM.md, "Layer loop"): layer i's weights and KV
  // cache are layer 0's plus i strides, so the body is emitted once per engine stream.
  // MoE steps that fetch only the routed experts use a register of their own per DMA queue
  // for the expert offset (moe_ffn.h), which cannot combine with the loop's: unrolled.
  // Resident weights: each layer reads its own SBUF homes, and loop registers offset HBM
  // operands only, so those steps are unrolled too (a tiny model's few layers).
  const bool moe_registers = c.is_moe() && moe_per_token_dispatch(c, T);
  const bool unrolled = moe_registers || resident;
  const std::vector<kernels::LoopRange> ranges = unrolled ? std::vector<kernels::LoopRange>{} : L.layer_ranges();
  if (ranges.empty()) {
    for (int64_t layer = 0; layer < c.n_layers; ++layer) emit_layer(layer);
  } else {
    const KernelCtx::Rotation rot0 = k.rotation();
    b.loop(c.n_layers, ranges, [&](const kernels::LoopVar& lv) {
      k.set_rotation(rot0);
      emit_layer(lv.index);
    });
  }

  EmittedStep out;
  if (rows_out) {
    rmsnorm_T(k, xT, xn, xn2, x, H[L.final_norm], eps);
    // Prefill: only the last token's logits (its column of xT is the stationary operand).
    // A rank computes its vocabulary columns [vocab0, vocab0 + vocab_n) (tp_plan.h).
    const Tile sel = decode ? xT : xT.slice(1, T - 1, 1);
    const uint64_t v0 = uint64_t(L.shard().vocab0);
    uint32_t flip = 0;
    project(k, sel, P, dim, H[L.classifier], 0, 0, uint64_t(L.shard().vocab_n),
            [&](uint64_t c0, uint32_t n, const Tile& acc) {
              for (uint32_t j = 0; j < n; j += kLogitsCols) {
                const uint32_t m = std::min(kLogitsCols, n - j);
                Tile lg = k.scratch(fmt::format("logits_sb{}", flip++ % 2), DType::F32, P, kLogitsCols)
                              .parts(0, rows_out)
                              .cols(0, m);
                b.tensor_copy(lg, acc.cols(j, m), k.evac_engine());
                b.store(logits.view(0, rows_out, v0 + c0 + j, m), lg);
              }
            });
  }
  out.stage_offset = stage.offset();  // every step: patch_step_tokens() needs it
  out.bucket_end = bucket_end;
  if (rows_out) out.logits_offset = logits.offset();
  return out;
}

StepProgram step_program(const EmittedStep& e, const StepSpec& spec) {
  StepProgram out;
  out.bucket_end = e.bucket_end;
  out.logits_rows = logits_rows_of(spec);
  if (out.logits_rows) out.logits_offset = e.logits_offset;
  return out;
}

// Builds a decode step with the deep weight ring, and again with the shallow one if the deep
// ring leaves the rest of the step's SBUF plan no room (the build fails before anything
// runs). Prefill reuses each weight tile for up to 128 tokens, so its loads are not what
// holds it up: it keeps the shallow ring (and so its SBUF for the chunk's activations).
template <class Build>
StepProgram with_deepest_ring(const StepSpec& spec, const Build& build) {
  if (spec.kind != StepSpec::Kind::Decode) return build(kWeightBuffers);
  try {
    return build(kDeepWeightBuffers);
  } catch (const kernels::OnChipMemoryFull& e) {
    if (e.space() != isa::Space::Sbuf) throw;
    return build(kWeightBuffers);
  }
}

StepProgram compile_step_with(const ModelLayout& L, const StepSpec& spec, uint32_t weight_buffers) {
  kernels::Builder b(L.chip(), step_name(L, spec), builder_options(L));
  const std::vector<HbmTensor> H = L.declare(b);
  const EmittedStep e = emit_step(b, L, H, spec, 1, nullptr, weight_buffers);
  StepProgram out = step_program(e, spec);
  out.layer_loop = b.stats().loops > 0;
  out.exe = b.finish();
  out.ranks.push_back({e.stage_offset, b.tagged()});
  return out;
}

StepProgram compile_tp_step_with(const TpLayout& TL, const StepSpec& spec, uint32_t weight_buffers) {
  const ModelLayout& L0 = TL.rank(0);
  const uint32_t R = uint32_t(TL.ranks());
  kernels::ChipBuilder cb(L0.chip(), step_name(L0, spec), R, builder_options(L0));
  const std::vector<std::vector<HbmTensor>> H = TL.declare(cb);
  const uint32_t rows_out = logits_rows_of(spec);
  // One logits tensor for every rank: rank r writes its vocabulary columns.
  HbmTensor logits;
  if (rows_out) logits = cb.shared_output("logits", DType::F32, {rows_out, uint64_t(TL.config().vocab_size)});
  std::vector<EmittedStep> e(R);
  cb.spmd([&](Builder& b, uint32_t r) {
    e[r] = emit_step(b, TL.rank(r), H[r], spec, R, rows_out ? &logits : nullptr, weight_buffers);
  });
  StepProgram out = step_program(e[0], spec);
  out.layer_loop = cb.core(0).stats().loops > 0;
  out.exe = cb.finish();
  for (uint32_t r = 0; r < R; ++r) out.ranks.push_back({e[r].stage_offset, cb.core(r).tagged()});
  return out;
}

}  // namespace

StepProgram compile_step(const ModelLayout& L, const StepSpec& spec) {
  check_spec(L, spec);
  return with_deepest_ring(spec, [&](uint32_t nb) { return compile_step_with(L, spec, nb); });
}

StepProgram compile_step(const TpLayout& TL, const StepSpec& spec) {
  if (TL.ranks() == 1) return compile_step(TL.rank(0), spec);
  check_spec(TL.rank(0), spec);
  return with_deepest_ring(spec, [&](uint32_t nb) { return compile_tp_step_with(TL, spec, nb); });
}

std::vector<PatchedInstr> patch_decode_step(const ModelLayout& L, StepProgram& prog, int64_t old_pos,
                                            const std::vector<int64_t>& old_tok, int64_t new_pos,
                                            const std::vector<int64_t>& new_tok) {
  const ModelConfig& c = L.config();
  if (old_tok.size() != new_tok.size()) fail("internal: patch_decode_step changes the batch");
  if (new_pos >= prog.bucket_end || new_pos < 0) fail("internal: position {} outside the program's bucket", new_pos);
  const int64_t dpos = new_pos - old_pos;
  const int64_t kes = int64_t(dtype_size(L.kv_dtype())), row = c.dim * kes, half = c.head_dim / 2;
  std::vector<PatchedInstr> patched;
  // Every rank's program has the same patch sites at its own offsets (the same per-rank
  // cache geometry: every rank's layout has the same dims, kv dtype and context).
  for (uint32_t core = 0; core < prog.ranks.size(); ++core) {
  auto& streams = prog.exe.cores[core].streams;
  const uint64_t stage_offset = prog.ranks[core].stage_offset;
  for (const auto& site : prog.ranks[core].patch_sites) {
    isa::Instr& ins = streams[site.stream][site.pc];
    const auto kind = PatchSite(site.tag);
    const bool mask = kind == PatchSite::BucketMask;
    if (ins.op != (mask ? isa::Opcode::affine_select : isa::Opcode::dma_copy))
      fail("internal: patch site {} at stream {} pc {} is a {}", site.tag, site.stream, site.pc,
           isa::op_info(ins.op).name);
    isa::TensorRef &dst = ins.t[0], &src = ins.t[1];
    switch (kind) {
      case PatchSite::BucketMask: ins.iimm0 += dpos; break;
      case PatchSite::EmbedRow: {
        const uint64_t t = (dst.offset - stage_offset) / uint64_t(row);
        src.offset += uint64_t((new_tok[t] - old_tok[t]) * row);
        break;
      }
      case PatchSite::RopeRow: src.offset += uint64_t(dpos * half * 4); break;
      case PatchSite::KAppend: dst.offset += uint64_t(dpos * kes); break;
      case PatchSite::VAppend: dst.offset += uint64_t((L.v_row(new_pos) - L.v_row(old_pos)) * c.head_dim * kes); break;
      case PatchSite::None: break;
    }
    patched.push_back({core, site.stream, site.pc});
  }
  }
  return patched;
}

std::vector<PatchedInstr> patch_step_tokens(const ModelLayout& L, StepProgram& prog, int64_t pos0,
                                            const std::vector<int64_t>& old_tokens,
                                            const std::vector<int64_t>& new_tokens) {
  // With the position unchanged, the decode patch moves only the embedding rows (its other
  // position terms add 0), and a prefill program's token-dependent fields are those rows too.
  return patch_decode_step(L, prog, pos0, old_tokens, pos0, new_tokens);
}

}  // namespace npulab::llm::compile
