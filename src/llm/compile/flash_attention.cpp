// Flash-style causal attention for the query heads of one kv head in a prefill chunk
// (docs/LLM.md, "Attention"); per head:
//   for each super-chunk of up to 2048 (M <= 32 rows) or 1024 keys:
//     load K^T [hd, n] and V [n, hd] of the chunk (double-buffered),
//     S = q^T K^T on the PE into PSUM [M, n] (512 keys per matmul), causal/window mask,
//     m' = max(m, rowmax(S)*scale), alpha = exp(m - m'),
//     P = exp(S*scale - m') with its row sum from the same ACT instruction,
//     l = l*alpha + rowsum,  acc = acc*alpha + P V  (P^T via PE transposes, 128 keys each)
//   out^T = transpose(acc / l).
// The running max, sum and rescaled accumulator live in SBUF; the full score matrix never
// exists, so the context length is bounded only by the KV cache.
#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "llm/compile/llm_kernels.h"

namespace npulab::llm::compile {

using isa::ActFunc;
using isa::AluOp;
using kernels::Engine;

void online_softmax_chunk(Builder& b, OnlineSoftmax& st, const Tile& S, const Tile& p, bool first) {
  b.tensor_reduce(st.mx, S, AluOp::max);
  if (first) {
    b.tensor_scalar(st.m_cur, st.mx, AluOp::multiply, st.scale);
  } else {
    std::swap(st.m_cur, st.m_old);
    b.tensor_scalar(st.m_cur, st.mx, AluOp::multiply, st.scale);
    b.tensor_tensor(st.m_cur, st.m_cur, st.m_old, AluOp::max);
    b.tensor_tensor(st.alpha, st.m_old, st.m_cur, AluOp::subtract);
    b.activation(st.alpha, st.alpha, ActFunc::exp);
  }
  b.tensor_scalar(st.negm, st.m_cur, AluOp::multiply, -1.0f);
  kernels::Act ex;
  ex.scale = st.scale;
  ex.bias_tile = &st.negm;
  ex.accum = &st.rsum;
  b.activation(p, S, ActFunc::exp, ex);
  if (first) {
    b.tensor_copy(st.l, st.rsum);
  } else {
    b.tensor_tensor(st.l, st.l, st.alpha, AluOp::multiply);
    b.tensor_tensor(st.l, st.l, st.rsum, AluOp::add);
  }
}

void flash_attention(KernelCtx& k, const AttnBlock& a, uint32_t hd) {
  Builder& b = k.b;
  const uint32_t M = a.M, H = a.heads, P = b.chip().tensor.rows, TN = b.chip().tensor.max_moving_free;
  const uint32_t SC = M <= 32 ? 2048 : 1024;
  const uint32_t maxblk = SC / P;
  if (a.key_hi <= a.key_lo) fail("internal: attention block with no keys");
  if (a.key_lo % P) fail("internal: attention keys start at {}, not a whole V tile", a.key_lo);
  if (H == 0 || a.q.dim(0) != H || a.out_T.dim(0) != H)
    fail("internal: attention block of {} heads with q/out views of {}/{}", H, a.q.dim(0), a.out_T.dim(0));
  const size_t es = dtype_size(k.kv);

  // Per head: the running softmax state (a column each) and the accumulator.
  auto cols = [&](const char* name) { return k.scratch(name, DType::F32, 128, H).parts(0, M); };
  const Tile m0 = cols("attn_m0"), m1 = cols("attn_m1"), mx = cols("attn_mx"), alpha = cols("attn_alpha"),
             negm = cols("attn_negm"), rsum = cols("attn_rowsum"), l = cols("attn_l");
  std::vector<OnlineSoftmax> sm;
  for (uint32_t h = 0; h < H; ++h)
    sm.push_back({m0.cols(h, 1), m1.cols(h, 1), mx.cols(h, 1), alpha.cols(h, 1), negm.cols(h, 1),
                  rsum.cols(h, 1), l.cols(h, 1), a.scale});
  const Tile acc_all = k.scratch("attn_acc", DType::F32, 128, H * hd).parts(0, M);
  const uint32_t Mp = (M + 15) / 16 * 16;  // P^T slots padded to 64 bytes (see below)

  bool first = true;
  for (int64_t s0 = a.key_lo; s0 < a.key_hi; s0 += SC) {
    const uint32_t n = uint32_t(std::min<int64_t>(SC, a.key_hi - s0));
    const uint32_t rr = k.attn_rr++ % 2;
    Tile kt = k.scratch(fmt::format("attn_kT{}", rr), k.kv, 128, SC).parts(0, hd).cols(0, n);
    // V blocks padded to 64-byte rows: blocks filled by different DMA queues never share
    // a race-detector block (sim/race/detector.h tracks 64-byte blocks).
    const uint32_t hdp = uint32_t((hd * es + 63) / 64 * 64 / es);
    Tile vt = k.scratch(fmt::format("attn_v{}", rr), k.kv, 128, maxblk * hdp).reshape({maxblk, hdp}).slice(1, 0, hd);
    isa::TensorRef ks = a.kT;
    ks.offset += uint64_t(s0) * es;
    ks.dims[0].size = n;
    b.load(kt, ks);
    const uint32_t nf = n / P, rem = n % P, nblk = nf + (rem ? 1 : 0);
    if (nf) {
      isa::TensorRef vs = a.v;  // partition p = key s0 + t*P + p: tiles s0/P.. are contiguous rows
      vs.offset += uint64_t(s0 / P) * hd * es;
      vs.part_stride = a.v_part_stride;
      vs.part_count = uint16_t(P);
      vs.ndim = 2;
      vs.dims[0] = {int32_t(hd), nf};
      vs.dims[1] = {1, hd};
      b.load(vt.parts(0, P).slice(0, 0, nf), vs);
    }
    if (rem) {
      isa::TensorRef vs = a.v;
      vs.offset += uint64_t(s0 / P + nf) * hd * es;
      vs.part_stride = a.v_part_stride;
      vs.part_count = uint16_t(rem);
      b.load(vt.parts(0, rem).slice(0, nf, 1).reshape({hd}), vs);
    }
    // The heads in turn, on the K/V tiles loaded once.
    Tile pt = k.scratch("attn_p", k.kv, 128, SC).parts(0, M);
    Tile ptT = k.scratch("attn_pT", k.kv, 128, maxblk * Mp);
    for (uint32_t h = 0; h < H; ++h) {
      const Tile q = a.q.slice(0, h, 1).reshape({M});
      // Scores [M, n] in PSUM.
      Tile sc = k.psum_banks((n + TN - 1) / TN).parts(0, M);
      for (uint32_t j = 0; j * TN < n; ++j) {
        const uint32_t nn = std::min<uint32_t>(TN, n - j * TN);
        b.matmul(sc.cols(j * TN, nn), q, kt.cols(j * TN, nn), true);
      }
      Tile S = sc.cols(0, n);
      if (s0 + int64_t(n) - 1 > a.row_pos0)  // key s0+i visible iff s0+i <= pos0+p
        b.affine_select(S, S, AluOp::is_ge, a.row_pos0 - s0, 1, -1.0f, kMaskFill);
      if (a.window > 0 && s0 <= a.row_pos0 + int64_t(M) - 1 - a.window)
        b.affine_select(S, S, AluOp::is_gt, s0 - a.row_pos0 + a.window, -1, 1.0f, kMaskFill);
      online_softmax_chunk(b, sm[h], S, pt.cols(0, n), first);
      // P^T blocks of 128 keys: PE transposes into PSUM, one evacuation per bank.
      // Slots (in PSUM and in ptT) are padded to 64 bytes so a later transpose or copy never
      // shares a race-detector block (sim/race/detector.h) with a reader of an earlier one.
      const uint32_t per_bank = std::max<uint32_t>(1, k.bank_elems / Mp);
      for (uint32_t j0 = 0; j0 < nblk; j0 += per_bank) {
        const uint32_t cnt = std::min(per_bank, nblk - j0);
        Tile tb = k.psum_banks(1);
        uint32_t fullcnt = 0;
        for (uint32_t j = 0; j < cnt; ++j) {
          const uint32_t kk = std::min<uint32_t>(P, n - (j0 + j) * P);
          b.transpose(tb.parts(0, kk).cols(j * Mp, M), pt.cols((j0 + j) * P, kk));
          if (kk == P) ++fullcnt;
        }
        if (fullcnt)
          b.tensor_copy(ptT.parts(0, P).cols(j0 * Mp, fullcnt * Mp).reshape({fullcnt, Mp}).slice(1, 0, M),
                        tb.parts(0, P).cols(0, fullcnt * Mp).reshape({fullcnt, Mp}).slice(1, 0, M), Engine::Vector);
        if (fullcnt < cnt)
          b.tensor_copy(ptT.parts(0, rem).cols((j0 + fullcnt) * Mp, M), tb.parts(0, rem).cols(fullcnt * Mp, M),
                        Engine::Vector);
      }
      Tile pv = k.psum_banks(1).parts(0, M).cols(0, hd);
      for (uint32_t j = 0; j < nblk; ++j) {
        const uint32_t kk = std::min<uint32_t>(P, n - j * P);
        b.matmul(pv, ptT.parts(0, kk).cols(j * Mp, M), vt.parts(0, kk).slice(0, j, 1).reshape({hd}), j == 0);
      }
      Tile acc = acc_all.cols(h * hd, hd);
      if (first) {
        b.tensor_copy(acc, pv);
      } else {
        b.tensor_scalar(acc, acc, AluOp::multiply, sm[h].alpha);
        b.tensor_tensor(acc, acc, pv, AluOp::add);
      }
    }
    first = false;
  }
  for (uint32_t h = 0; h < H; ++h) {
    Tile acc = acc_all.cols(h * hd, hd);
    b.tensor_scalar(acc, acc, AluOp::divide, sm[h].l);
    Tile ot = k.psum_banks(1).parts(0, hd).cols(0, M);
    b.transpose(ot, acc);
    b.tensor_copy(a.out_T.slice(0, h, 1).reshape({M}), ot, Engine::Vector);  // may share 64-byte blocks
  }
}

}  // namespace npulab::llm::compile
