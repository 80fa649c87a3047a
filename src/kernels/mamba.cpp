#include "kernels/mamba.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "common/error.h"

namespace npulab::kernels {

using isa::AluOp;

MambaSchedule parse_mamba_schedule(const std::string& s) {
  if (s == "v1") return MambaSchedule::V1;
  if (s == "v2") return MambaSchedule::V2;
  if (s == "v3") return MambaSchedule::V3;
  fail("mamba: unknown schedule '{}' (expected v1, v2 or v3)", s);
}

namespace {

constexpr uint32_t kP = 128;       // channels per tile (partitions)
constexpr uint32_t kChunk = 512;   // v3's time-axis chunk (the tutorial's seq_len_fsize)
constexpr uint32_t kSets = 2;      // temporaries in rotation, so one iteration's loads run ahead

// The per-iteration temporaries: exp(delta * A), the running product, and the B and C rows
// ([1, width]: the tutorial's B_i / C_i, read by the multiplies as partition-broadcast views,
// `B_i.broadcast_to((128, seq))`, so no [128, width] copy of them is loaded or streamed).
struct Temps {
  Tile a_col, dA, work, B_row, C_row;
};

class Emitter {
 public:
  Emitter(Builder& b, const HbmTensor& A, const HbmTensor& B, const HbmTensor& C, const HbmTensor& out,
          const MambaShape& s)
      : b_(b), A_(A), B_(B), C_(C), out_(out), s_(s) {}

  void temps(uint32_t width) {
    for (uint32_t i = 0; i < kSets; ++i) {
      const std::string n = std::to_string(i);
      t_.push_back({b_.sbuf("A_col" + n, DType::F32, kP, {1}), b_.sbuf("dA" + n, DType::F32, kP, {width}),
                    b_.sbuf("work" + n, DType::F32, kP, {width}), b_.sbuf("B_row" + n, DType::F32, 1, {width}),
                    b_.sbuf("C_row" + n, DType::F32, 1, {width})});
    }
  }

  // One (channel tile, state, time chunk [t0, t0 + n)): accum += C * scan(exp(delta A), delta u B).
  // d, x: delta and u of the tile ([kP, >= n] tiles, their columns from t0 at col0), or with
  // `du` x already delta * u (v2/v3: loop-invariant over states); init: the scan's start
  // (null: 0), set to the chunk's last column when `carry`.
  void step(uint64_t batch, uint64_t tile, uint64_t st, uint64_t t0, uint32_t n, const Tile& d, const Tile& x,
            bool du, uint32_t col0, const Tile& accum, const Tile* init, bool carry) {
    const Temps& t = t_[rr_++ % kSets];
    const Tile dA = t.dA.cols(0, n), w = t.work.cols(0, n), Brow = t.B_row.cols(0, n), Crow = t.C_row.cols(0, n);
    const Tile Bb = Brow.broadcast_partitions(kP), Cb = Crow.broadcast_partitions(kP);
    const Tile dv = d.cols(col0, n), xv = x.cols(col0, n);
    b_.load(t.a_col, A_.view(tile * kP, kP, st, 1));
    b_.tensor_scalar(dA, dv, AluOp::multiply, t.a_col, AluOp::bypass, 0.0f, Engine::Scalar);
    b_.activation(dA, dA, isa::ActFunc::exp);
    b_.load(Brow, B_.view(batch * s_.state + st, 1, t0, n));
    if (du) {
      b_.tensor_tensor(w, xv, Bb, AluOp::multiply);
    } else {
      b_.tensor_tensor(w, dv, xv, AluOp::multiply);
      b_.tensor_tensor(w, w, Bb, AluOp::multiply);
    }
    if (init) b_.tensor_tensor_scan(w, dA, w, AluOp::multiply, AluOp::add, *init);
    else b_.tensor_tensor_scan(w, dA, w, AluOp::multiply, AluOp::add, 0.0f);
    if (carry) b_.tensor_copy(*init, w.cols(n - 1, 1));
    b_.load(Crow, C_.view(batch * s_.state + st, 1, t0, n));
    b_.tensor_tensor(w, w, Cb, AluOp::multiply);
    const Tile acc = accum.cols(uint32_t(t0), n);
    b_.tensor_tensor(acc, acc, w, AluOp::add);
  }

  void load_rows(const Tile& dst, const HbmTensor& src, uint64_t row0) {
    b_.load(dst, src.view(row0, kP, 0, uint32_t(s_.seq)));
  }
  void store(uint64_t row0, const Tile& accum) { b_.store(out_.view(row0, kP, 0, uint32_t(s_.seq)), accum); }

 private:
  Builder& b_;
  const HbmTensor &A_, &B_, &C_, &out_;
  const MambaShape s_;
  std::vector<Temps> t_;
  uint32_t rr_ = 0;
};

void check(const Builder& b, const MambaShape& s, MambaSchedule v) {
  if (s.batch < 1 || s.channels < 1 || s.seq < 1 || s.state < 1)
    fail("mamba: batch {}, channels {}, seq {}, state {}: every dimension must be at least 1", s.batch, s.channels,
         s.seq, s.state);
  if (s.channels % kP) fail("mamba: channels {} must be a multiple of {} (the partitions of a tile)", s.channels, kP);
  if (v == MambaSchedule::V3 && s.seq % kChunk)
    fail("mamba v3: seq {} must be a multiple of its {}-step chunks", s.seq, kChunk);
  // Per partition, FP32: v1 one accumulator row per channel tile, v2/v3 one, plus delta and
  // u rows (v2/v3) and kSets sets of 4 temporaries of the time width (the 1-partition B and
  // C rows hold their byte range in every partition: the allocator hands out such ranges).
  const uint64_t width = v == MambaSchedule::V3 ? kChunk : s.seq, tiles = s.channels / kP;
  const uint64_t rows = (v == MambaSchedule::V1 ? tiles + 2 : 3) * s.seq + kSets * (4 * width + 1);
  const uint64_t have = b.chip().sbuf.bytes_per_partition;
  if (rows * 4 > have)
    fail("mamba {}: seq {} needs {} KiB of SBUF per partition for its [128, seq] rows and temporaries, but chip '{}' "
         "has {} KiB; use v3 (time chunks of {}) or a shorter seq (the tutorial's compiler spills to HBM here, "
         "which npulab does not model)",
         v == MambaSchedule::V1 ? "v1" : "v2", s.seq, rows * 4 / 1024, b.chip().name, have / 1024, kChunk);
}

}  // namespace

void mamba(Builder& b, const HbmTensor& delta, const HbmTensor& u, const HbmTensor& A, const HbmTensor& B,
           const HbmTensor& C, const HbmTensor& out, const MambaShape& s, MambaSchedule v) {
  check(b, s, v);
  Emitter e(b, A, B, C, out, s);
  const uint64_t tiles = s.channels / kP;
  const uint32_t seq = uint32_t(s.seq);
  if (v == MambaSchedule::V1) {
    // Every tile's accumulator lives through the state loop; delta and u reloaded per step.
    std::vector<Tile> acc;
    for (uint64_t t = 0; t < tiles; ++t) acc.push_back(b.sbuf(fmt::format("acc{}", t), DType::F32, kP, {seq}));
    const Tile d[2] = {b.sbuf("delta0", DType::F32, kP, {seq}), b.sbuf("delta1", DType::F32, kP, {seq})};
    const Tile x[2] = {b.sbuf("u0", DType::F32, kP, {seq}), b.sbuf("u1", DType::F32, kP, {seq})};
    e.temps(seq);
    uint32_t k = 0;
    for (uint64_t bi = 0; bi < s.batch; ++bi) {
      for (const Tile& a : acc) b.memset(a, 0.0f);
      for (uint64_t st = 0; st < s.state; ++st)
        for (uint64_t t = 0; t < tiles; ++t, ++k) {
          const uint64_t row = bi * s.channels + t * kP;
          e.load_rows(d[k % 2], delta, row);
          e.load_rows(x[k % 2], u, row);
          e.step(bi, t, st, 0, seq, d[k % 2], x[k % 2], false, 0, acc[t], nullptr, false);
        }
      for (uint64_t t = 0; t < tiles; ++t) e.store(bi * s.channels + t * kP, acc[t]);
    }
    return;
  }
  // v2 / v3: per channel tile, delta and u loaded once for all states.
  const uint32_t width = v == MambaSchedule::V3 ? kChunk : seq;
  const Tile acc = b.sbuf("acc", DType::F32, kP, {seq});
  const Tile d = b.sbuf("delta", DType::F32, kP, {seq}), x = b.sbuf("u", DType::F32, kP, {seq});
  const Tile init = b.sbuf("scan_init", DType::F32, kP, {1});
  e.temps(width);
  for (uint64_t bi = 0; bi < s.batch; ++bi)
    for (uint64_t t = 0; t < tiles; ++t) {
      const uint64_t row = bi * s.channels + t * kP;
      b.memset(acc, 0.0f);
      e.load_rows(d, delta, row);
      e.load_rows(x, u, row);
      b.tensor_tensor(x, d, x, AluOp::multiply);  // delta * u, once for every state (hoisted)
      for (uint64_t st = 0; st < s.state; ++st) {
        if (v == MambaSchedule::V2) {
          e.step(bi, t, st, 0, seq, d, x, true, 0, acc, nullptr, false);
          continue;
        }
        b.memset(init, 0.0f);
        for (uint32_t c0 = 0; c0 < seq; c0 += kChunk)
          e.step(bi, t, st, c0, kChunk, d, x, true, c0, acc, &init, c0 + kChunk < seq);
      }
      e.store(row, acc);
    }
}

}  // namespace npulab::kernels
