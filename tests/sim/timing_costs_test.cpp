// Timing-model properties: monotone in size, dtype factors, never above engine peaks or
// memory bandwidth, concurrency of independent engines.
#include <gtest/gtest.h>

#include <algorithm>

#include "sched_util.h"

namespace npulab::sim {
namespace {

using namespace testutil;
using isa::Stream;

double matmul_time(DType dt, uint32_t n, uint32_t k = 128, uint32_t m = 128) {
  auto exe = make_exe();
  stream(exe, Stream::PE).push_back(matmul(psum(m, n), sbuf(dt, k, m), sbuf(dt, k, n, 65536)));
  return run(exe).total_ns;
}

TEST(TimingCosts, MatmulMonotoneInN) {
  double prev = 0;
  for (uint32_t n : {1u, 64u, 128u, 256u, 384u, 512u}) {
    const double t = matmul_time(DType::BF16, n);
    EXPECT_GE(t, prev) << "N=" << n;
    prev = t;
  }
  EXPECT_GT(matmul_time(DType::BF16, 512), matmul_time(DType::BF16, 128));
}

TEST(TimingCosts, MatmulMatchesFormula) {
  const auto& te = trn2().tensor;
  // LoadStationary (new stationary; alone, nothing hides it) + max(N, min II) cycles at the
  // tensor clock.
  const double expect = (te.fixed_overhead_cycles + te.load_stationary_fast_cycles + 512.0) / te.clock_ghz;
  EXPECT_NEAR(matmul_time(DType::BF16, 512), expect, 0.01);
  const double small = (te.fixed_overhead_cycles + te.load_stationary_fast_cycles +
                        double(te.min_issue_cycles)) / te.clock_ghz;
  EXPECT_NEAR(matmul_time(DType::BF16, 8), small, 0.01);
}

TEST(TimingCosts, Fp32MatmulAboutFourTimesBf16AndFp8Faster) {
  const double bf16 = matmul_time(DType::BF16, 512);
  const double fp32 = matmul_time(DType::F32, 512);
  const double fp8 = matmul_time(DType::F8E4M3, 512);
  EXPECT_NEAR(fp32 / bf16, trn2().tensor.fp32_factor, 0.3);
  EXPECT_GT(fp32 / bf16, 3.5);
  EXPECT_LT(fp8, bf16);
}

TEST(TimingCosts, ReusedStationarySkipsLoadStationary) {
  auto exe = make_exe();
  auto& pe = stream(exe, Stream::PE);
  for (int i = 0; i < 4; ++i)
    pe.push_back(matmul(psum(128, 512, uint64_t(i % 4) * 2048), sbuf(DType::BF16, 128, 128),
                        sbuf(DType::BF16, 128, 512, 65536 + uint64_t(i) * 1024)));
  const auto& te = trn2().tensor;
  const double expect = (te.load_stationary_fast_cycles + 4 * (te.fixed_overhead_cycles + 512.0)) / te.clock_ghz;
  EXPECT_NEAR(run(exe).total_ns, expect, 0.01);
}

// A GEMM-like PE stream: per stationary tile, 4 moving tiles (4 PSUM banks), 64 tiles.
TEST(TimingCosts, GemmNeverAbovePeakAndRealisticFraction) {
  for (DType dt : {DType::BF16, DType::F32, DType::F8E4M3}) {
    auto exe = make_exe();
    auto& pe = stream(exe, Stream::PE);
    for (int s = 0; s < 16; ++s)
      for (int n = 0; n < 4; ++n)
        pe.push_back(matmul(psum(128, 512, uint64_t(n) * 2048),
                            sbuf(dt, 128, 128, uint64_t(s) * 512),
                            sbuf(dt, 128, 512, 16384 + uint64_t(n) * 2048), s == 0));
    const SimResult r = run(exe);
    const auto& te = trn2().tensor;
    const double factor = dt == DType::F32 ? te.fp32_factor : dt == DType::BF16 ? 1.0 : te.fp8_factor;
    const double peak_flops_per_ns = 2.0 * te.rows * te.cols * te.clock_ghz / factor;
    const double achieved = r.flops / r.total_ns;
    EXPECT_LE(achieved, peak_flops_per_ns * (1 + 1e-9)) << dtype_name(dt);
    // 4 x 512 moving columns per stationary; each LoadStationary (32 cycles x factor) runs
    // behind the previous MultiplyMoving, so only the first one shows: 32768 / 32800.
    EXPECT_GT(achieved / peak_flops_per_ns, 0.995) << dtype_name(dt);
  }
}

double vector_time(Stream s, DType dt, uint32_t free, bool two_inputs = false) {
  auto exe = make_exe();
  auto dst = sbuf(dt, 128, free, 0);
  auto a = sbuf(dt, 128, free, 65536);
  auto b = sbuf(dt, 128, free, 131072);
  if (two_inputs)
    stream(exe, s).push_back(tensor_tensor(dst, a, b));
  else if (s == Stream::ACT)
    stream(exe, s).push_back(activation(dst, a, isa::ActFunc::exp));
  else
    stream(exe, s).push_back(tensor_copy(dst, a));
  return run(exe).total_ns;
}

TEST(TimingCosts, StreamingEnginesMonotoneAndTwoInputsAboutTwice) {
  for (Stream s : {Stream::DVE, Stream::ACT, Stream::POOL}) {
    double prev = 0;
    for (uint32_t f : {1u, 64u, 256u, 1024u, 4096u, 16384u}) {
      const double t = vector_time(s, DType::BF16, f);
      EXPECT_GE(t, prev) << isa::stream_name(uint32_t(s)) << " free=" << f;
      prev = t;
    }
  }
  const double one = vector_time(Stream::DVE, DType::F32, 16384);
  const double two = vector_time(Stream::DVE, DType::F32, 16384, true);
  EXPECT_NEAR(two / one, 2.0, 0.1);
  // 16-bit SBUF operands stream faster than FP32 on the vector engine.
  EXPECT_LT(vector_time(Stream::DVE, DType::BF16, 16384), one);
}

// A partition-broadcast row is one partition's elements read (streaming.cpp's assumption):
// far less than a second full input, but not free, and the row's length still counts.
TEST(TimingCosts, BroadcastRowIsNotASecondFullInput) {
  const uint32_t F = 16384;
  auto with_row = [&](uint32_t row_free) {
    auto exe = make_exe();
    auto row = sbuf(DType::F32, 1, row_free, 131072);
    row.part_count = 128;
    row.part_bcast = true;
    auto a = sbuf(DType::F32, 128, row_free, 65536);
    stream(exe, Stream::DVE).push_back(tensor_tensor(sbuf(DType::F32, 128, row_free, 0), a, row));
    return run(exe).total_ns;
  };
  const double one = vector_time(Stream::DVE, DType::F32, F), two = vector_time(Stream::DVE, DType::F32, F, true);
  const double bcast = with_row(F);
  EXPECT_GT(bcast, one);
  EXPECT_LT(bcast, one + (two - one) / 16);  // the row at 128 lanes' rate: 1/128 of a pass
  EXPECT_LT(with_row(F / 4), bcast);
}

TEST(TimingCosts, StreamingNeverAboveEnginePeak) {
  const auto& c = trn2();
  for (Stream s : {Stream::DVE, Stream::ACT, Stream::POOL}) {
    const arch::StreamEngine& e = s == Stream::DVE ? c.vector : s == Stream::ACT ? c.scalar : c.gpsimd;
    const double best_rate = std::max({e.elems_per_cycle_16bit, e.elems_per_cycle_8bit, e.elems_per_cycle_other});
    for (DType dt : {DType::BF16, DType::F32, DType::F8E4M3}) {
      const uint32_t free = 32768 / uint32_t(dtype_size(dt));
      const double t = vector_time(s, dt, free);
      const double elems = 128.0 * free;
      EXPECT_LE(elems / t, e.lanes * best_rate * e.clock_ghz * (1 + 1e-9));
    }
  }
}

double dma_time(uint64_t rows, uint64_t row_bytes, uint32_t queues = 1, uint32_t q0 = 0,
                uint32_t cores = 1) {
  auto exe = make_exe(cores, q0 + queues);
  // Destinations may overlap (races are not checked here); keep them inside SBUF.
  const uint64_t slots = std::max<uint64_t>(1, trn2().sbuf.bytes_per_partition / row_bytes);
  for (uint32_t c = 0; c < cores; ++c)
    for (uint32_t q = q0; q < q0 + queues; ++q)
      dmaq(exe, q, c).push_back(dma(sbuf(DType::U8, uint32_t(rows), uint32_t(row_bytes), ((q - q0) % slots) * row_bytes),
                                    hbm(DType::U8, uint32_t(rows), uint32_t(row_bytes),
                                        (uint64_t(c) * 64 + q) << 23)));
  return run(exe).total_ns;
}

TEST(TimingCosts, DmaMonotoneInBytesAndSmallChunksLessEfficient) {
  double prev = 0;
  for (uint64_t b : {64ull, 512ull, 2048ull, 8192ull, 32768ull}) {
    const double t = dma_time(128, b);
    EXPECT_GT(t, prev) << b;
    prev = t;
  }
  const auto& d = trn2().dma;
  // Efficiency of the transfer itself (fixed latency removed) grows with chunk size.
  auto eff = [&](uint64_t b) {
    const double t = dma_time(128, b) - d.fixed_latency_ns;
    return 128.0 * double(b) / d.bytes_per_ns_per_engine / t;
  };
  EXPECT_LT(eff(256), 0.5);
  EXPECT_GT(eff(4096), 0.85);
  EXPECT_LT(eff(512), eff(2048));
  EXPECT_LE(eff(65536), 1.0 + 1e-9);
}

TEST(TimingCosts, QueuesSharingADmaEngineShareItsBandwidth) {
  const auto& d = trn2().dma;
  const uint64_t bytes = 128ull * 16384;
  // Queues 0 and engines_per_core both run on DMA engine 0.
  auto exe = make_exe(1, d.engines_per_core + 1);
  dmaq(exe, 0).push_back(dma(sbuf(DType::U8, 128, 16384, 0), hbm(DType::U8, 128, 16384, 0)));
  dmaq(exe, d.engines_per_core)
      .push_back(dma(sbuf(DType::U8, 128, 16384, 16384), hbm(DType::U8, 128, 16384, 1 << 24)));
  const double shared = run(exe).total_ns;
  EXPECT_GE(shared, d.fixed_latency_ns + 2.0 * bytes / d.bytes_per_ns_per_engine);
  // On two different engines they overlap.
  EXPECT_LT(dma_time(128, 16384, 2), shared * 0.6);
}

TEST(TimingCosts, AggregateHbmBandwidthNeverExceeded) {
  const auto& c = trn2();
  const uint32_t queues = c.dma.engines_per_core;  // all 16 engines of every core busy
  // 64 KiB per partition: descriptors are cheap, so 128 engines together could move more
  // than HBM delivers and HBM is the bottleneck.
  const uint64_t row = 65536, rows = 128;
  const double t = dma_time(rows, row, queues, 0, c.cores_per_chip);
  const double total = double(rows * row) * queues * c.cores_per_chip;
  const double hbm_bound = total / c.hbm.bandwidth_gbps;
  EXPECT_GE(t - c.dma.fixed_latency_ns, hbm_bound * (1 - 1e-9));
  EXPECT_LE(total / t, c.hbm.bandwidth_gbps);
  // And the model is not pointlessly pessimistic: within 15% of the bound.
  EXPECT_LT(t - c.dma.fixed_latency_ns, hbm_bound * 1.15);
  // Also with queues on shared engines (all 16 x 16 queues of one core + 7 cores x 16).
  auto exe = make_exe(c.cores_per_chip, 32);
  uint64_t bytes = 0;
  for (uint32_t core = 0; core < c.cores_per_chip; ++core)
    for (uint32_t q = 0; q < 32; ++q) {
      dmaq(exe, q, core).push_back(dma(sbuf(DType::U8, 128, 4096, q * 4096),
                                       hbm(DType::U8, 128, 4096, (uint64_t(core) * 32 + q) << 20)));
      bytes += 128 * 4096;
    }
  const SimResult r = run(exe);
  EXPECT_LE(double(bytes) / r.total_ns, c.hbm.bandwidth_gbps);
  EXPECT_NEAR(r.hbm_bytes_read, double(bytes), 0.5);
}

TEST(TimingCosts, IndependentEnginesOverlap) {
  auto exe = make_exe();
  stream(exe, Stream::DVE).push_back(tensor_copy(sbuf(DType::F32, 128, 4096, 0), sbuf(DType::F32, 128, 4096, 16384)));
  stream(exe, Stream::ACT).push_back(activation(sbuf(DType::F32, 128, 4096, 32768), sbuf(DType::F32, 128, 4096, 49152)));
  stream(exe, Stream::PE).push_back(matmul(psum(128, 512), sbuf(DType::BF16, 128, 128, 65536), sbuf(DType::BF16, 128, 512, 66000)));
  dmaq(exe, 0).push_back(dma(sbuf(DType::U8, 128, 1024, 100000), hbm(DType::U8, 128, 1024)));
  const SimResult r = run(exe);
  double sum = 0, mx = 0;
  for (const auto& s : r.streams) {
    sum += s.busy_ns;
    mx = std::max(mx, s.busy_ns);
  }
  EXPECT_LT(r.total_ns, sum * 0.75);
  EXPECT_NEAR(r.total_ns, mx, 1e-3);
}

}  // namespace
}  // namespace npulab::sim
