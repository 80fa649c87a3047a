// Stacked decode attention (decode_attention.h). Per stack of S blocks (R = S*M rows):
//   qpad = 0; block b's q^T into columns b*(R+M) .. (its stationary is columns b*R .. b*R+R)
//   per super-chunk of keys (<= 3072, balanced; one chunk up to 3072 keys) = one item:
//     QK: K^T of G blocks per DMA (ring); S[R, n] += qpad_b^T K_b per block
//     softmax: masks, running max, P = exp(S*scale - m) with its row sums (one instruction
//              each), P^T per 128 keys (one PE transpose for the whole stack)
//     PV: V of G blocks per DMA (ring); O^T[hd, b*M..] = sum_j V_bj^T P^T_j[:, b*M..]
//     finish: O^T -> rows (copy + PE transpose); acc = acc*alpha + rows; after the last
//             chunk out^T = transpose(acc / l), copied per sequence into out_T.
// Software pipeline: the QK groups of item i+1 are emitted interleaved with the PV groups of
// item i, so K and V stream together and the PE alternates between them (the DMA queues
// and engines are in order: emission order is the schedule). PSUM is split statically:
// banks [0, banks-2) scores (and the P^T transposes, once the scores are consumed), one
// bank for O^T, one for the row transposes.
#include "llm/compile/decode_attention.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "common/error.h"
#include "llm/compile/patch_sites.h"

namespace npulab::llm::compile {

using isa::AluOp;
using kernels::Engine;

namespace {

constexpr uint32_t kRing = 2;          // K and V ring slots (DMA groups in flight ahead of the PE)
constexpr uint32_t kMaxGroup = 4;      // blocks per K/V DMA at most
constexpr uint64_t kSlack = 4 * 1024;  // SBUF bytes per partition left free (allocator fragmentation)

uint32_t cdiv(uint64_t a, uint64_t b) { return uint32_t((a + b - 1) / b); }
uint32_t round_up(uint32_t a, uint32_t m) { return cdiv(a, m) * m; }

struct Plan {
  uint32_t S = 1, R = 0, Rp = 0;  // blocks per stack, rows, rows padded to 16 (64-byte slots)
  uint32_t nch = 1, SC = 0, nblk = 0;  // super-chunks, keys per chunk, 128-key tiles per chunk
  uint32_t hdp = 0;               // V rows padded to 64 bytes
  uint32_t G = 1;                 // blocks per K/V DMA
  uint32_t score_banks = 0;       // PSUM banks for the scores [R, SC] FP32
};

Plan make_plan(const Builder& b, const DecodeAttn& a, DType kv) {
  const uint32_t P = b.chip().tensor.rows;
  if (a.M == 0 || a.M > P) fail("internal: decode attention with {} rows per block (at most {})", a.M, P);
  Plan p;
  p.S = std::min(P / a.M, a.blocks);
  p.R = p.S * a.M;
  p.Rp = round_up(p.R, 16);
  const uint32_t banks = b.chip().psum.banks, bank_elems = uint32_t(b.chip().psum.bank_bytes() / 4);
  if (banks < 3) fail("decode attention needs at least 3 PSUM banks; the chip has {}", banks);
  p.score_banks = banks - 2;
  const uint32_t max_chunk = p.score_banks * bank_elems / P * P;  // keys per super-chunk
  const uint32_t n = uint32_t(a.key_hi - a.key_lo);
  p.nch = cdiv(n, max_chunk);
  p.SC = std::min(max_chunk, round_up(cdiv(n, p.nch), P));
  p.nblk = p.SC / P;
  const size_t es = dtype_size(kv);
  p.hdp = uint32_t(round_up(uint32_t(a.hd * es), 64) / es);
  // Blocks per DMA: as many as fit the free SBUF (these tiles are freed on return, so the
  // tiles a step allocates after its first attention still fit); more blocks per DMA =
  // fewer, larger DMA pieces (>= 2 KiB per partition each).
  const uint64_t cap = b.chip().sbuf.bytes_per_partition, used = b.sbuf_bytes_in_use();
  const uint64_t fixed = (uint64_t(p.S) * (p.R + a.M) + p.SC + uint64_t(p.nblk) * p.Rp) * es +
                         (7 + a.hd + p.Rp) * sizeof(float);
  const uint64_t per_block = uint64_t(kRing) * (p.SC + uint64_t(p.nblk + 1) * p.hdp) * es;
  const uint64_t avail = cap > used + fixed + kSlack ? cap - used - fixed - kSlack : 0;
  p.G = uint32_t(std::clamp<uint64_t>(avail / per_block, 1, std::min(p.S, kMaxGroup)));
  return p;
}

// Shared tiles of one call (freed on return, so every layer plans from the same free SBUF).
struct Bufs {
  Tile qpad, P, ptT, kring[kRing], vring[kRing], vtail[kRing];
  Tile m0, m1, mx, alpha, negm, rsum, l, acc, otT;
  Tile scores, ot, rows;  // PSUM: banks [0, score_banks), then one bank each
};

Bufs alloc(KernelCtx& k, const Plan& p, const DecodeAttn& a) {
  Builder& b = k.b;
  const DType kv = k.kv;
  const uint32_t P = b.chip().tensor.rows;
  Bufs t;
  const Tile psum = k.psum_banks(k.banks);
  t.scores = psum.cols(0, p.score_banks * k.bank_elems);
  t.ot = psum.cols(p.score_banks * k.bank_elems, k.bank_elems);
  t.rows = psum.cols((p.score_banks + 1) * k.bank_elems, k.bank_elems);
  t.qpad = b.sbuf("dattn_q", kv, a.hd, {p.S * (p.R + a.M)});
  t.P = b.sbuf("dattn_p", kv, p.R, {p.SC});
  t.ptT = b.sbuf("dattn_pT", kv, P, {p.nblk * p.Rp});
  for (uint32_t i = 0; i < kRing; ++i) {
    t.kring[i] = b.sbuf(fmt::format("dattn_k{}", i), kv, a.hd, {p.G, p.SC});
    // [block, tile, hd]: one contiguous run per block and partition. The short last tile of
    // a chunk has its own buffer, so its DMA is not ordered after the full tiles'.
    t.vring[i] = b.sbuf(fmt::format("dattn_v{}", i), kv, P, {p.G, p.nblk, p.hdp});
    t.vtail[i] = b.sbuf(fmt::format("dattn_vt{}", i), kv, P, {p.G, p.hdp});
  }
  t.m0 = b.sbuf("dattn_m0", DType::F32, p.R, {1});
  t.m1 = b.sbuf("dattn_m1", DType::F32, p.R, {1});
  t.mx = b.sbuf("dattn_mx", DType::F32, p.R, {1});
  t.alpha = b.sbuf("dattn_alpha", DType::F32, p.R, {1});
  t.negm = b.sbuf("dattn_negm", DType::F32, p.R, {1});
  t.rsum = b.sbuf("dattn_rowsum", DType::F32, p.R, {1});
  t.l = b.sbuf("dattn_l", DType::F32, p.R, {1});
  t.acc = b.sbuf("dattn_acc", DType::F32, p.R, {a.hd});
  t.otT = b.sbuf("dattn_oT", DType::F32, a.hd, {p.Rp});
  return t;
}

// Runs of consecutive blocks of one sequence inside [i0, i0+n): (first block, count).
template <class F>
void for_each_sequence_run(const DecodeAttn& a, uint32_t i0, uint32_t n, F&& f) {
  for (uint32_t i = i0; i < i0 + n;) {
    const uint32_t cnt = std::min(i0 + n - i, a.kv_heads - i % a.kv_heads);
    f(i, cnt);
    i += cnt;
  }
}

// The query (or output) columns of blocks [i, i+cnt) of one sequence: heads g*M.. of token t.
Tile head_columns(const DecodeAttn& a, const Tile& t, uint32_t i, uint32_t cnt) {
  const uint32_t g = i % a.kv_heads, seq = i / a.kv_heads;
  return t.slice(0, g * a.M, cnt * a.M).slice(1, seq, 1);
}

// One unit of the pipeline: super-chunk c (keys [s0, s0+n)) of the stack [i0, i0+nb).
struct Item {
  uint32_t i0 = 0, nb = 0, c = 0;
  int64_t s0 = 0;
  uint32_t n = 0;
  bool last = false;  // last chunk of its stack
  uint32_t rows(uint32_t M) const { return nb * M; }
};

class Emitter {
 public:
  Emitter(KernelCtx& k, const DecodeAttn& a, const Plan& p, const Bufs& t)
      : k_(k), b_(k.b), a_(a), p_(p), t_(t), es_(dtype_size(k.kv)) {}

  uint32_t groups(const Item& it) const { return cdiv(it.nb, p_.G); }
  void qk_group(const Item& it, uint32_t g);
  void softmax(const Item& it);
  void pv_group(const Item& it, uint32_t g);
  void finish(const Item& it);

 private:
  void fill_qpad(const Item& it);
  void load_k(const Tile& dst, uint32_t i, uint32_t cnt, int64_t s0, uint32_t n);
  void load_v(uint32_t slot, uint32_t i, uint32_t cnt, int64_t s0, uint32_t n);
  void transpose_p(uint32_t R, uint32_t n);

  KernelCtx& k_;
  Builder& b_;
  const DecodeAttn& a_;
  const Plan& p_;
  const Bufs& t_;
  const size_t es_;
  uint32_t krr_ = 0, vrr_ = 0, tbrr_ = 0;
  OnlineSoftmax sm_;  // of the stack being softmaxed
};

void Emitter::load_k(const Tile& dst, uint32_t i, uint32_t cnt, int64_t s0, uint32_t n) {
  isa::TensorRef src = a_.kT0;
  src.offset += uint64_t(int64_t(i) * a_.k_block_stride + s0) * es_;
  src.ndim = 2;
  src.dims[0] = {int32_t(a_.k_block_stride), cnt};
  src.dims[1] = {1, n};
  b_.load(dst.parts(0, a_.hd).slice(0, 0, cnt).slice(1, 0, n), src);
}

void Emitter::load_v(uint32_t slot, uint32_t i, uint32_t cnt, int64_t s0, uint32_t n) {
  const uint32_t P = b_.chip().tensor.rows, nf = n / P, rem = n % P, hd = a_.hd;
  isa::TensorRef src = a_.v0;  // partition p = key s0 + t*P + p: row p*tiles + s0/P + t
  src.offset += uint64_t(int64_t(i) * a_.v_block_stride + s0 / P * hd) * es_;
  src.part_stride = a_.v_part_stride;
  src.ndim = 2;
  src.dims[0] = {int32_t(a_.v_block_stride), cnt};
  if (nf) {
    isa::TensorRef s = src;
    s.part_count = uint16_t(P);
    s.dims[1] = {1, nf * hd};  // tiles s0/P .. s0/P + nf - 1: contiguous rows
    b_.load(t_.vring[slot].slice(0, 0, cnt).slice(1, 0, nf).slice(2, 0, hd), s);
  }
  if (rem) {
    isa::TensorRef s = src;
    s.offset += uint64_t(nf) * hd * es_;
    s.part_count = uint16_t(rem);
    s.dims[1] = {1, hd};
    b_.load(t_.vtail[slot].parts(0, rem).slice(0, 0, cnt).slice(1, 0, hd), s);
  }
}

// Zero-padded stationaries: block b's q^T in columns b*(R+M) .. of the stack layout, so its
// window [b*R, b*R + rows) holds only its own q and zeros (R: the plan's full stack).
void Emitter::fill_qpad(const Item& it) {
  b_.memset(t_.qpad, 0.0f, Engine::GpSimd);
  const Tile slots = t_.qpad.split(0, p_.S);  // [hd, S, R+M]
  for_each_sequence_run(a_, it.i0, it.nb, [&](uint32_t i, uint32_t cnt) {
    b_.tensor_copy(slots.slice(0, i - it.i0, cnt).slice(1, 0, a_.M), head_columns(a_, a_.qT, i, cnt));
  });
}

void Emitter::qk_group(const Item& it, uint32_t g) {
  const uint32_t TN = b_.chip().tensor.max_moving_free, R = it.rows(a_.M), hd = a_.hd;
  if (it.c == 0 && g == 0) fill_qpad(it);
  const uint32_t g0 = g * p_.G, cnt = std::min(p_.G, it.nb - g0);
  const Tile& kb = t_.kring[krr_++ % kRing];
  load_k(kb, it.i0 + g0, cnt, it.s0, it.n);
  for (uint32_t bi = 0; bi < cnt; ++bi) {
    const uint32_t blk = g0 + bi;
    for (uint32_t j = 0; j * TN < it.n; ++j) {
      const uint32_t nn = std::min<uint32_t>(TN, it.n - j * TN);
      b_.matmul(t_.scores.parts(0, R).cols(j * TN, nn), t_.qpad.parts(0, hd).cols(blk * p_.R, R),
                kb.parts(0, hd).slice(0, bi, 1).reshape({p_.SC}).cols(j * TN, nn), blk == 0);
    }
  }
}

void Emitter::softmax(const Item& it) {
  const uint32_t R = it.rows(a_.M);
  Tile S = t_.scores.parts(0, R).cols(0, it.n);
  if (it.c == 0) sm_ = {t_.m0.parts(0, R), t_.m1.parts(0, R), t_.mx.parts(0, R), t_.alpha.parts(0, R),
                        t_.negm.parts(0, R), t_.rsum.parts(0, R), t_.l.parts(0, R), a_.scale};
  // Bucket: key s0+i visible iff <= mask_above. Always emitted on the last super-chunk (it
  // holds the whole bucket), so the program stays valid when patched to another position.
  if (a_.mask_above >= 0 && it.last) {
    b_.set_tag(tag(PatchSite::BucketMask));
    b_.affine_select(S, S, AluOp::is_ge, a_.mask_above - it.s0, 0, -1.0f, kMaskFill);
    b_.set_tag(0);
  }
  // Sliding window: keys loaded from a whole V tile below the first visible one.
  if (a_.key_first > it.s0) b_.affine_select(S, S, AluOp::is_ge, it.s0 - a_.key_first, 0, 1.0f, kMaskFill);
  online_softmax_chunk(b_, sm_, S, t_.P.parts(0, R).cols(0, it.n), it.c == 0);
  transpose_p(R, it.n);
}

// P^T per 128 keys, one PE transpose each for the whole stack, into the (consumed) score
// banks in turn and evacuated per bank. Slots are padded to 64 bytes so a later transpose or
// copy never shares a race-detector block (sim/race/detector.h) with a reader of an earlier one.
void Emitter::transpose_p(uint32_t R, uint32_t n) {
  const uint32_t P = b_.chip().tensor.rows, nblk = cdiv(n, P), rem = n % P;
  const uint32_t per_bank = std::max<uint32_t>(1, k_.bank_elems / p_.Rp);
  for (uint32_t j0 = 0; j0 < nblk; j0 += per_bank) {
    const uint32_t cnt = std::min(per_bank, nblk - j0);
    Tile tb = t_.scores.cols((tbrr_++ % p_.score_banks) * k_.bank_elems, k_.bank_elems);
    uint32_t full = 0;
    for (uint32_t j = 0; j < cnt; ++j) {
      const uint32_t kk = std::min<uint32_t>(P, n - (j0 + j) * P);
      b_.transpose(tb.parts(0, kk).cols(j * p_.Rp, R), t_.P.parts(0, R).cols((j0 + j) * P, kk));
      if (kk == P) ++full;
    }
    auto slots = [&](const Tile& t, uint32_t first, uint32_t c) {
      return t.parts(0, P).cols(first * p_.Rp, c * p_.Rp).reshape({c, p_.Rp}).slice(1, 0, R);
    };
    if (full) b_.tensor_copy(slots(t_.ptT, j0, full), slots(tb, 0, full), Engine::Vector);
    if (full < cnt)
      b_.tensor_copy(t_.ptT.parts(0, rem).cols((j0 + full) * p_.Rp, R), tb.parts(0, rem).cols(full * p_.Rp, R),
                     Engine::Vector);
  }
}

// O^T[hd, b*M ..] = sum over 128-key tiles of V_j^T P^T_j (V tile as the stationary).
void Emitter::pv_group(const Item& it, uint32_t g) {
  const uint32_t P = b_.chip().tensor.rows, M = a_.M, hd = a_.hd, nblk = cdiv(it.n, P);
  const uint32_t g0 = g * p_.G, cnt = std::min(p_.G, it.nb - g0), slot = vrr_++ % kRing;
  load_v(slot, it.i0 + g0, cnt, it.s0, it.n);
  for (uint32_t bi = 0; bi < cnt; ++bi) {
    const uint32_t blk = g0 + bi;
    for (uint32_t j = 0; j < nblk; ++j) {
      const uint32_t kk = std::min<uint32_t>(P, it.n - j * P);
      const Tile v = kk == P ? t_.vring[slot].slice(0, bi, 1).slice(1, j, 1).reshape({p_.hdp})
                             : t_.vtail[slot].parts(0, kk).slice(0, bi, 1).reshape({p_.hdp});
      b_.matmul(t_.ot.parts(0, hd).cols(blk * M, M), v.cols(0, hd), t_.ptT.parts(0, kk).cols(j * p_.Rp + blk * M, M),
                j == 0);
    }
  }
}

// Back to rows (exact: an FP32 copy and a PE transpose), the running rescale, and after the
// last chunk the normalised output, copied per sequence.
void Emitter::finish(const Item& it) {
  const uint32_t R = it.rows(a_.M), hd = a_.hd, M = a_.M;
  Tile otT = t_.otT.parts(0, hd).cols(0, R);
  b_.tensor_copy(otT, t_.ot.parts(0, hd).cols(0, R), Engine::Vector);
  Tile rows = t_.rows.parts(0, R).cols(0, hd);
  b_.transpose(rows, otT);
  Tile acc = t_.acc.parts(0, R);
  if (it.c == 0) {
    b_.tensor_copy(acc, rows);
  } else {
    b_.tensor_scalar(acc, acc, AluOp::multiply, t_.alpha.parts(0, R));
    b_.tensor_tensor(acc, acc, rows, AluOp::add);
  }
  if (!it.last) return;
  b_.tensor_scalar(acc, acc, AluOp::divide, t_.l.parts(0, R));
  Tile out = t_.rows.parts(0, hd).cols(0, R);
  b_.transpose(out, acc);
  for_each_sequence_run(a_, it.i0, it.nb, [&](uint32_t i, uint32_t cnt) {
    b_.tensor_copy(head_columns(a_, a_.out_T, i, cnt), out.cols((i - it.i0) * M, cnt * M), Engine::Vector);
  });
}

std::vector<Item> items_of(const DecodeAttn& a, const Plan& p) {
  std::vector<Item> items;
  for (uint32_t i0 = 0; i0 < a.blocks; i0 += p.S)
    for (uint32_t c = 0; c < p.nch; ++c) {
      Item it;
      it.i0 = i0;
      it.nb = std::min(p.S, a.blocks - i0);
      it.c = c;
      it.s0 = a.key_lo + int64_t(c) * p.SC;
      it.n = uint32_t(std::min<int64_t>(p.SC, a.key_hi - it.s0));
      it.last = c + 1 == p.nch;
      items.push_back(it);
    }
  return items;
}

}  // namespace

void decode_attention(KernelCtx& k, const DecodeAttn& a) {
  if (a.key_hi <= a.key_lo) fail("internal: decode attention with no keys");
  if (a.blocks == 0 || a.kv_heads == 0) fail("internal: decode attention with no blocks");
  if (a.key_lo % k.b.chip().tensor.rows) fail("internal: decode attention keys start at {}, not a whole V tile", a.key_lo);
  const Plan p = make_plan(k.b, a, k.kv);
  const Bufs t = alloc(k, p, a);
  Emitter e(k, a, p, t);
  const std::vector<Item> items = items_of(a, p);
  for (uint32_t g = 0; g < e.groups(items[0]); ++g) e.qk_group(items[0], g);
  e.softmax(items[0]);
  for (size_t i = 0; i < items.size(); ++i) {
    const Item* next = i + 1 < items.size() ? &items[i + 1] : nullptr;
    const uint32_t gv = e.groups(items[i]), gk = next ? e.groups(*next) : 0;
    for (uint32_t g = 0; g < std::max(gv, gk); ++g) {
      if (g < gk) e.qk_group(*next, g);
      if (g < gv) e.pv_group(items[i], g);
    }
    e.finish(items[i]);
    if (next) e.softmax(*next);
  }
}

}  // namespace npulab::llm::compile
