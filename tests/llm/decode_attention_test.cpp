// The stacked decode attention kernel (llm/compile/decode_attention.h) against a plain
// double-precision softmax(q K^T * scale) V per (sequence, kv head, query row), written
// here independently of the kernel: several stacks with a partial last one, blocks grouped
// per DMA with a partial last group, two super-chunks (the running max/sum rescale), a
// V tail of fewer than 128 keys, keys below the first visible one (sliding window) and above
// the bucket mask, FP32 and BF16; race detector on. The V cache is partition-major
// (ModelLayout::v_row): key j*128 + p of a block at row p*tiles + j.
#include <gtest/gtest.h>

#include <cmath>

#include "arch/chip.h"
#include "kernels/builder.h"
#include "kernels/host_io.h"
#include "llm/compile/decode_attention.h"
#include "sim/simulator.h"

namespace npulab::llm::compile {
namespace {

struct Case {
  uint32_t hd, M, kvh, T;
  int64_t ctx, key_first, key_hi, mask_above;  // keys [key_first, key_hi) exist, loaded from 0
  DType kv;
  int64_t tiles() const { return (ctx + 127) / 128; }
  int64_t v_row(int64_t key) const { return (key % 128) * tiles() + key / 128; }
};

struct Data {
  // q [hd, NH*T]; K^T [blocks*hd, ctx]; V [blocks*tiles*128, hd] partition-major (rounded to kv)
  std::vector<float> q, k, v;
};

Data make_data(const Case& c) {
  const uint64_t blocks = uint64_t(c.T) * c.kvh, NH = uint64_t(c.M) * c.kvh;
  Data d;
  d.q = kernels::rounded(c.kv, kernels::random_values(c.hd * NH * c.T, 1, -2.0f, 2.0f));
  d.k = kernels::rounded(c.kv, kernels::random_values(blocks * c.hd * uint64_t(c.ctx), 2, -2.0f, 2.0f));
  d.v = kernels::rounded(c.kv, kernels::random_values(blocks * uint64_t(c.tiles()) * 128 * c.hd, 3));
  return d;
}

// out [hd, NH*T]: column h*T + t holds head h of sequence t.
std::vector<float> reference(const Case& c, const Data& d, float scale) {
  const uint64_t NH = uint64_t(c.M) * c.kvh, cols = NH * c.T;
  const int64_t lo = c.key_first, hi = c.mask_above >= 0 ? std::min(c.key_hi, c.mask_above + 1) : c.key_hi;
  const uint64_t vrows = uint64_t(c.tiles()) * 128;
  std::vector<float> out(c.hd * cols);
  std::vector<double> s(size_t(hi - lo));
  for (uint32_t t = 0; t < c.T; ++t)
    for (uint32_t g = 0; g < c.kvh; ++g)
      for (uint32_t m = 0; m < c.M; ++m) {
        const uint64_t blk = uint64_t(t) * c.kvh + g, col = uint64_t(g * c.M + m) * c.T + t;
        double mx = -1e300;
        for (int64_t key = lo; key < hi; ++key) {
          double dot = 0;
          for (uint32_t e = 0; e < c.hd; ++e)
            dot += double(d.q[e * cols + col]) * d.k[(blk * c.hd + e) * uint64_t(c.ctx) + uint64_t(key)];
          s[size_t(key - lo)] = dot * scale;
          mx = std::max(mx, dot * scale);
        }
        double sum = 0;
        for (double& x : s) sum += (x = std::exp(x - mx));
        for (uint32_t e = 0; e < c.hd; ++e) {
          double acc = 0;
          for (int64_t key = lo; key < hi; ++key)
            acc += s[size_t(key - lo)] * d.v[(blk * vrows + uint64_t(c.v_row(key))) * c.hd + e];
          out[e * cols + col] = float(acc / sum);
        }
      }
  return out;
}

std::vector<float> run_kernel(const Case& c, const Data& d, float scale, sim::SimResult* res) {
  const arch::ChipConfig chip = arch::load_chip_by_name("trn2");
  const uint32_t blocks = c.T * c.kvh, NH = c.M * c.kvh;
  kernels::Builder b(chip, "decode_attention_test");
  auto Q = b.input("q", c.kv, {c.hd, uint64_t(NH) * c.T});
  auto K = b.input("kT", c.kv, {uint64_t(blocks) * c.hd, uint64_t(c.ctx)});
  auto V = b.input("v", c.kv, {uint64_t(blocks) * uint64_t(c.tiles()) * 128, c.hd});
  auto O = b.output("o", DType::F32, {c.hd, uint64_t(NH) * c.T});
  KernelCtx k(b, c.kv, c.kv, 16 * 1024);
  Tile qT = b.sbuf("qT", c.kv, c.hd, {NH, c.T});
  Tile out = b.sbuf("out", DType::F32, c.hd, {NH, c.T});
  b.load(qT, Q.view(0, c.hd, 0, NH * c.T));
  DecodeAttn a;
  a.hd = c.hd;
  a.M = c.M;
  a.kv_heads = c.kvh;
  a.blocks = blocks;
  a.kT0 = K.view(0, c.hd, 0, uint32_t(c.ctx));
  a.k_block_stride = int64_t(c.hd) * c.ctx;
  a.v0 = V.view(0, 1, 0, c.hd);
  a.v_block_stride = c.tiles() * 128 * c.hd;
  a.v_part_stride = c.tiles() * c.hd;
  a.qT = qT;
  a.out_T = out;
  a.key_lo = 0;
  a.key_first = c.key_first;
  a.key_hi = c.key_hi;
  a.mask_above = c.mask_above;
  a.scale = scale;
  decode_attention(k, a);
  b.store(O.view(0, c.hd, 0, NH * c.T), out);
  const isa::Executable exe = b.finish();
  sim::Chip sc(chip, sim::Mode::Functional);
  kernels::write_tensor(sc.hbm(), kernels::find_tensor(exe, "q"), d.q);
  kernels::write_tensor(sc.hbm(), kernels::find_tensor(exe, "kT"), d.k);
  kernels::write_tensor(sc.hbm(), kernels::find_tensor(exe, "v"), d.v);
  *res = sc.run(exe);
  return kernels::read_tensor(sc.hbm(), kernels::find_tensor(exe, "o"));
}

void check(const Case& c, double tol) {
  const Data d = make_data(c);
  const float scale = 1.0f / std::sqrt(float(c.hd));
  sim::SimResult res;
  const auto got = run_kernel(c, d, scale, &res);
  EXPECT_TRUE(res.races.empty()) << res.races.front().message;
  const auto want = reference(c, d, scale);
  ASSERT_EQ(got.size(), want.size());
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (double e = std::abs(double(got[i]) - want[i]); !(e <= worst)) worst = e, at = i;
  EXPECT_LE(worst, tol) << "element " << at << ": got " << got[at] << ", want " << want[at];
}

// 46 blocks of 3 rows: stacks of 42 + 4; 3350 keys loaded: super-chunks of 1792 + 1558 (a
// 22-key V tail); keys below 7 and above 3300 masked.
TEST(DecodeAttention, StacksChunksAndMaskMatchPlainSoftmaxFp32) {
  check({16, 3, 2, 23, 3400, 7, 3350, 3300, DType::F32}, 2e-6);
}

TEST(DecodeAttention, Bf16MatchesWithinRoundingOfP) {
  // P is rounded to BF16 before P V (as on the chip): at most 2^-9 relative per weight, so
  // |error| <= 2^-9 * max|v| ~ 0.002, and far less on average over 3300 keys.
  check({16, 3, 2, 23, 3400, 7, 3350, 3300, DType::BF16}, 5e-4);
}

// One block per stack row group (M = 64: two blocks per stack) and a single short chunk.
TEST(DecodeAttention, WideGroupsSingleChunk) {
  check({32, 64, 1, 3, 300, 0, 257, -1, DType::F32}, 2e-6);
}

}  // namespace
}  // namespace npulab::llm::compile
