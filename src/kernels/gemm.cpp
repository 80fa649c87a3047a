// Tiled GEMM schedule (docs/KERNELS.md, "GEMM"):
//
//   for each block of m_tiles x 128 rows of A (double-buffered "panel" of A^T in SBUF,
//                                             all of K: [128, k_tiles, m_tiles*128]):
//     build the panel: KM layout -> DMA straight in; MK layout -> DMA rows of A, PE
//       transpose 128x128 blocks into PSUM, copy (ACT/DVE alternating) into the panel
//     for each group of n_tiles x 512 columns of B:
//       for each k-tile: DMA B[k-tile, group] (multi-buffered ring)
//         for each m-tile i:  for each n-tile j:   (stationary reused across the j loop)
//           matmul(acc[i][j], panel[k-tile, i], B tile j, start = first k-tile)
//       evacuate acc -> SBUF (cast to C's dtype; DVE and ACT alternating) -> DMA to C
//
// The m_tiles*n_tiles accumulators come from a rotating ring of all PSUM banks, so the next
// group's accumulation (and the next panel's transposes) start while this group's banks are
// being evacuated; the builder's dependency tracking orders every reuse. A is read from
// HBM once, B once per row block: the block height trades B traffic against SBUF.
#include "kernels/gemm.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace npulab::kernels {

namespace {
uint32_t cdiv(uint64_t a, uint64_t b) { return uint32_t((a + b - 1) / b); }

double pe_factor(const arch::TensorEngine& te, DType t) {
  if (dtype_size(t) == 4) return te.fp32_factor;
  if (dtype_size(t) == 1) return te.fp8_factor;
  return 1.0;
}

// Estimated ns per unit of work (one matmul's worth) for a blocking: PE time against
// the B stream's DMA time, whichever is longer, plus a small penalty when one group
// needs more than half the PSUM banks (no room to evacuate while the next accumulates).
double blocking_cost(const arch::ChipConfig& c, DType in, uint64_t N, uint32_t mt, uint32_t nt) {
  const auto& te = c.tensor;
  const double f = pe_factor(te, in);
  const double nn = double(std::min<uint64_t>(N, te.max_moving_free));
  // Each new stationary's LoadStationary runs behind the previous MultiplyMoving (background
  // LoadStationary, docs/SIMULATOR.md); only an LS longer than that MM shows.
  const double mm = std::max<double>(nn, te.min_issue_cycles) * f;
  const double pe_cycles = mt * (std::max(0.0, te.load_stationary_fast_cycles * f - mm) + nt * mm);
  const double pe_ns = pe_cycles / te.clock_ghz;
  const double b_bytes = double(te.rows) * double(nt) * nn * double(dtype_size(in));
  const double dma_ns = b_bytes / (0.5 * c.dma.engines_per_core * c.dma.bytes_per_ns_per_engine);
  double t = std::max(pe_ns, dma_ns) / double(mt * nt);
  if (mt * nt * 2 > c.psum.banks) t *= 1.02;
  return t;
}
}  // namespace

std::string GemmPlan::describe() const {
  return fmt::format("M={} N={} K={}: blocks of {}x128 rows, {}x512 cols per k-step, {} k-tiles, {} A panel(s), "
                     "{} KiB SBUF per partition",
                     M, N, K, m_tiles, n_tiles, k_tiles, panel_buffers, sbuf_bytes_per_partition / 1024);
}

GemmPlan gemm(Builder& b, const HbmTensor& A, const HbmTensor& B, const HbmTensor& C, const GemmOptions& opt) {
  const auto& chip = b.chip();
  const auto& te = chip.tensor;
  const bool km = opt.a_layout == ALayout::KM;
  if (A.shape().size() != 2 || B.shape().size() != 2 || C.shape().size() != 2)
    fail("gemm: A, B and C must be 2-D, got ranks {}, {}, {}", A.shape().size(), B.shape().size(), C.shape().size());
  const uint64_t M = km ? A.cols() : A.rows(), K = km ? A.rows() : A.cols();
  const uint64_t N = B.cols();
  if (B.rows() != K || C.rows() != M || C.cols() != N)
    fail("gemm: shapes do not match: A '{}' {} [{}, {}], B '{}' [{}, {}], C '{}' [{}, {}]", A.name(),
         km ? "(K x M)" : "(M x K)", A.rows(), A.cols(), B.name(), B.rows(), B.cols(), C.name(), C.rows(), C.cols());
  const DType in = A.dtype();
  if (B.dtype() != in) fail("gemm: A is {} but B is {} (inputs must share a dtype)", dtype_name(in), dtype_name(B.dtype()));
  if (!dtype_is_float(in)) fail("gemm: input dtype {} is not a float type", dtype_name(in));
  const DType out = C.dtype();
  const uint32_t TK = te.rows, TM = te.cols, TN = te.max_moving_free;
  const uint32_t kt_n = cdiv(K, TK), mt_n = cdiv(M, TM), nt_n = cdiv(N, TN);
  const uint32_t banks = chip.psum.banks ? chip.psum.banks : 1;

  // ---- choose the blocking
  uint32_t mt = opt.m_tiles, nt = opt.n_tiles;
  if (!mt || !nt) {
    double best = 1e300;
    for (uint32_t m = 1; m <= std::min<uint32_t>(mt_n, banks); ++m)
      for (uint32_t n = 1; n <= std::min<uint32_t>(nt_n, banks); ++n) {
        if (m * n > banks || (opt.m_tiles && m != opt.m_tiles) || (opt.n_tiles && n != opt.n_tiles)) continue;
        const double c = blocking_cost(chip, in, N, m, n);
        if (c <= best * 1.001) best = std::min(best, c), mt = m, nt = n;  // ties: more reuse
      }
  }
  mt = std::clamp<uint32_t>(mt, 1, mt_n);
  nt = std::clamp<uint32_t>(nt, 1, nt_n);
  if (mt * nt > banks) fail("gemm: m_tiles {} x n_tiles {} accumulators exceed the {} PSUM banks", mt, nt, banks);

  const uint64_t es = dtype_size(in), os = dtype_size(out), cap = chip.sbuf.bytes_per_partition;
  auto sbuf_need = [&](uint32_t m, uint32_t panels) {
    const uint64_t panel_bytes = uint64_t(kt_n) * m * TM * es;
    uint64_t n = panels * panel_bytes + uint64_t(opt.b_buffers) * nt * TN * es + 2ull * m * nt * TN * os;
    if (!km) n += panel_bytes;  // the next block's rows of A, staged before the PE transposes them
    return n + 4096;            // slack for alignment
  };
  uint32_t panels = 2;
  while (sbuf_need(mt, panels) > cap) {
    if (panels == 2 && mt == 1) panels = 1;
    else if (mt > 1) --mt;
    else
      fail("gemm: K={} is too large for a resident A^T panel: needs {} bytes per SBUF partition, the chip has {}",
           K, sbuf_need(1, 1), cap);
  }
  GemmPlan plan{M, N, K, mt, nt, kt_n, panels, sbuf_need(mt, panels)};

  // ---- on-chip buffers
  std::vector<Tile> panel;
  for (uint32_t i = 0; i < panels; ++i) panel.push_back(b.sbuf(fmt::format("a_panel{}", i), in, TK, {kt_n, mt * TM}));
  std::vector<Tile> bring, cring;
  for (uint32_t i = 0; i < std::max<uint32_t>(opt.b_buffers, 1); ++i)
    bring.push_back(b.sbuf(fmt::format("b_tile{}", i), in, TK, {nt * TN}));
  for (uint32_t i = 0; i < 2 * mt; ++i) cring.push_back(b.sbuf(fmt::format("c_strip{}", i), out, TM, {nt * TN}));
  Tile stage;  // MK layout: rows of A for one block, [128 rows, m_tiles, K]
  if (!km) stage = b.sbuf("a_rows", in, TM, {mt, kt_n * TK});
  std::vector<Tile> bank;
  for (uint32_t i = 0; i < banks; ++i) bank.push_back(b.psum_bank(fmt::format("psum_bank{}", i)));
  uint32_t bank_next = 0, b_next = 0, c_next = 0, copy_next = 0;
  auto next_bank = [&]() -> Tile& { return bank[bank_next++ % banks]; };
  auto copy_engine = [&]() { return (copy_next++ % 2) ? Engine::Scalar : Engine::Vector; };
  const uint32_t bank_elems = uint32_t(chip.psum.bank_bytes() / 4);
  const uint32_t per_bank = std::max<uint32_t>(1, bank_elems / TM);  // 128x128 transposes per bank
  const uint32_t blocks = cdiv(mt_n, mt);
  auto kk_of = [&](uint32_t kt) { return uint32_t(std::min<uint64_t>(TK, K - uint64_t(kt) * TK)); };
  auto block_rows = [&](uint32_t mb) {
    return uint32_t(std::min<uint64_t>(uint64_t(mt) * TM, M - uint64_t(mb) * mt * TM));
  };

  // Software pipeline: the DMAs that feed block mb+1's panel are emitted at the start of
  // block mb, and (MK layout) its PE transposes after block mb's first column group, so
  // neither the loads nor the transposes sit on the critical path.
  auto panel_loads = [&](uint32_t mb) {
    const uint64_t m0 = uint64_t(mb) * mt * TM;
    const uint32_t mrows = block_rows(mb);
    Tile& pan = panel[mb % panels];
    if (km) {
      for (uint32_t kt = 0; kt < kt_n;) {
        const uint32_t kk = kk_of(kt);
        uint32_t g = 1;  // full k-tiles go together, up to 8 per DMA
        if (kk == TK)
          while (g < 8 && kt + g < kt_n && kk_of(kt + g) == TK) ++g;
        isa::TensorRef src = A.view(uint64_t(kt) * TK, kk, m0, mrows);
        src.ndim = 2;
        src.dims[0] = {int32_t(uint64_t(TK) * M), g};
        src.dims[1] = {1, mrows};
        b.load(pan.parts(0, kk).slice(0, kt, g).slice(1, 0, mrows), src);
        kt += g;
      }
      return;
    }
    for (uint32_t i = 0; i * TM < mrows; ++i) {
      const uint32_t mm = std::min<uint32_t>(TM, mrows - i * TM);
      b.load(stage.parts(0, mm).slice(0, i, 1).reshape({kt_n * TK}).cols(0, uint32_t(K)),
             A.view(m0 + uint64_t(i) * TM, mm, 0, uint32_t(K)));
    }
  };
  auto panel_transposes = [&](uint32_t mb) {
    if (km) return;
    const uint32_t mrows = block_rows(mb);
    Tile& pan = panel[mb % panels];
    for (uint32_t i = 0; i * TM < mrows; ++i) {
      const uint32_t mm = std::min<uint32_t>(TM, mrows - i * TM);
      Tile rows = stage.parts(0, mm).slice(0, i, 1).reshape({kt_n * TK});
      for (uint32_t kt = 0; kt < kt_n;) {
        const uint32_t kk = kk_of(kt);
        uint32_t g = 1;
        if (kk == TK)
          while (g < per_bank && kt + g < kt_n && kk_of(kt + g) == TK) ++g;
        Tile bv = next_bank().reshape({per_bank, TM});
        for (uint32_t s = 0; s < g; ++s)
          b.transpose(bv.parts(0, kk).slice(0, s, 1).slice(1, 0, mm), rows.cols((kt + s) * TK, kk));
        b.tensor_copy(pan.parts(0, kk).slice(0, kt, g).slice(1, i * TM, mm),
                      bv.parts(0, kk).slice(0, 0, g).slice(1, 0, mm), copy_engine());
        kt += g;
      }
    }
  };

  panel_loads(0);
  panel_transposes(0);
  for (uint32_t mb = 0; mb < blocks; ++mb) {
    const uint64_t m0 = uint64_t(mb) * mt * TM;
    const uint32_t mrows = block_rows(mb);
    const uint32_t mts = cdiv(mrows, TM);
    Tile& pan = panel[mb % panels];
    const bool next = mb + 1 < blocks;
    if (next && panels > 1) panel_loads(mb + 1);

    // ---- C rows [m0, m0+mrows): groups of nt*512 columns
    for (uint64_t n0 = 0; n0 < N; n0 += uint64_t(nt) * TN) {
      if (n0 == uint64_t(nt) * TN && next && panels > 1) panel_transposes(mb + 1);
      const uint32_t ncols = uint32_t(std::min<uint64_t>(uint64_t(nt) * TN, N - n0));
      const uint32_t njs = cdiv(ncols, TN);
      std::vector<Tile> acc;
      for (uint32_t a = 0; a < mts * njs; ++a) acc.push_back(next_bank());
      for (uint32_t kt = 0; kt < kt_n; ++kt) {
        const uint32_t kk = kk_of(kt);
        Tile& bt = bring[b_next++ % bring.size()];
        b.load(bt.parts(0, kk).cols(0, ncols), B.view(uint64_t(kt) * TK, kk, n0, ncols));
        for (uint32_t i = 0; i < mts; ++i) {
          const uint32_t mm = std::min<uint32_t>(TM, mrows - i * TM);
          Tile stat = pan.parts(0, kk).slice(0, kt, 1).slice(1, i * TM, mm).reshape({mm});
          for (uint32_t j = 0; j < njs; ++j) {
            const uint32_t nn = std::min<uint32_t>(TN, ncols - j * TN);
            b.matmul(acc[i * njs + j].parts(0, mm).cols(0, nn), stat, bt.parts(0, kk).cols(j * TN, nn), kt == 0);
          }
        }
      }
      for (uint32_t i = 0; i < mts; ++i) {
        const uint32_t mm = std::min<uint32_t>(TM, mrows - i * TM);
        Tile& cs = cring[c_next++ % cring.size()];
        for (uint32_t j = 0; j < njs; ++j) {
          const uint32_t nn = std::min<uint32_t>(TN, ncols - j * TN);
          b.tensor_copy(cs.parts(0, mm).cols(j * TN, nn), acc[i * njs + j].parts(0, mm).cols(0, nn), copy_engine());
        }
        b.store(C.view(m0 + uint64_t(i) * TM, mm, n0, ncols), cs.parts(0, mm).cols(0, ncols));
      }
    }
    if (next && (panels == 1 || N <= uint64_t(nt) * TN)) {  // not yet done above
      if (panels == 1) panel_loads(mb + 1);
      panel_transposes(mb + 1);
    }
  }
  return plan;
}

}  // namespace npulab::kernels
