// Single-op cases of the every-mode table: each program loads its inputs into SBUF tiles (rows
// on the partitions), runs one data instruction (two for find_index8, whose `vals` come from
// max8), evacuates PSUM when the op writes there, and stores "out". References are float64
// host code written here from the op's definition in src/isa/opcodes.def and docs/ISA.md.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "isa/opcode_table.h"
#include "kernels/host_io.h"
#include "kernels/reference.h"
#include "op_cases.h"

namespace npulab::kernels::test {
namespace {

using isa::ActFunc;
using isa::AluOp;
using Tensors = std::map<std::string, HbmTensor>;

constexpr double kF32Sum = 1.0 / (1 << 24);  // FP32 accumulation: |err| <= n * 2^-24 * sum |terms|
constexpr double kF32Rne = 1.0 / (1 << 24);   // one RNE rounding to FP32: |err| <= 2^-24 |x|
constexpr double kBf16Rne = 1.0 / (1 << 8);  // one RNE rounding to BF16 (8-bit significand): |err| <= 2^-8 |x|
constexpr double kTiny = 1e-30;              // atol of "exact up to the stated rounding" cases

TensorSpec spec(std::string name, DType t, std::vector<uint64_t> shape,
                std::function<std::vector<float>(uint64_t, uint64_t)> values = {}) {
  return {std::move(name), t, std::move(shape), std::move(values)};
}
auto zeros_and_ones() {
  return [](uint64_t n, uint64_t seed) {
    auto v = random_values(n, seed);
    for (float& x : v) x = x < 0 ? 0.0f : 1.0f;
    return v;
  };
}
// A permutation of 0..n-1 (seeded), one index per partition.
auto permutation() {
  return [](uint64_t n, uint64_t seed) {
    std::vector<float> r = random_values(n, seed);
    std::vector<uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return r[a] < r[b]; });
    return std::vector<float>(order.begin(), order.end());
  };
}

uint32_t rows(const HbmTensor& t) { return uint32_t(t.rows()); }
uint32_t cols(const HbmTensor& t) { return uint32_t(t.cols()); }

// The whole 2-D tensor as one SBUF tile of `dt` (a DMA casts when the dtypes differ).
Tile load(Builder& b, const HbmTensor& t, DType dt) {
  Tile x = b.sbuf(t.name() + "_sb", dt, rows(t), {cols(t)});
  b.load(x, t.view(0, rows(t), 0, cols(t)));
  return x;
}
Tile load(Builder& b, const HbmTensor& t) { return load(b, t, t.dtype()); }
Tile out_tile(Builder& b, const Tensors& t) {
  const HbmTensor& o = t.at("out");
  return b.sbuf("out_sb", o.dtype(), rows(o), {cols(o)});
}
void store(Builder& b, const Tensors& t, const Tile& y) {
  const HbmTensor& o = t.at("out");
  b.store(o.view(0, rows(o), 0, cols(o)), y);
}
// PSUM result -> SBUF tile of "out"'s dtype -> "out".
void evacuate(Builder& b, const Tensors& t, const Tile& acc) {
  Tile y = out_tile(b, t);
  b.tensor_copy(y, acc);
  store(b, t, y);
}

Expected elementwise(const std::vector<float>& a, const std::function<double(double, size_t)>& f) {
  Expected e;
  e.want.resize(a.size());
  for (size_t i = 0; i < a.size(); ++i) e.want[i] = f(a[i], i);
  return e;
}

// ---- DMA, tensor engine -----------------------------------------------------------------
void add_dma_and_pe(std::vector<OpCase>& cs) {
  cs.push_back({"dma_copy", "hbm_to_hbm", {64, 300}, DType::F32, 0, 0,
                {spec("x", DType::F32, {64, 300})}, spec("out", DType::F32, {64, 300}),
                [](Builder& b, const Tensors& t) { b.dma_copy(t.at("out").view(0, 64, 0, 300), t.at("x").view(0, 64, 0, 300)); },
                [](const Values& v) { return elementwise(v.at("x"), [](double x, size_t) { return x; }); }});
  cs.push_back({"dma_copy", "cast_via_sbuf", {128, 96}, DType::F32, kTiny, kBf16Rne,
                {spec("x", DType::F32, {128, 96})}, spec("out", DType::F32, {128, 96}),
                [](Builder& b, const Tensors& t) { store(b, t, load(b, t.at("x"), DType::BF16)); },
                [](const Values& v) { return elementwise(v.at("x"), [](double x, size_t) { return x; }); }});
  // out[m, n] = sum_k st[k, m] * mv[k, n]; K > 128 accumulates two matmuls in one PSUM tile.
  struct Mm { const char* variant; DType dt; uint32_t K, M, N; };
  for (const Mm m : {Mm{"f32", DType::F32, 128, 96, 200}, Mm{"accumulate", DType::BF16, 200, 64, 512},
                     Mm{"fp8", DType::F8E4M3, 64, 32, 128}}) {
    const uint32_t K = m.K, M = m.M, N = m.N;
    cs.push_back({"matmul", m.variant, {M, N}, m.dt, kTiny, double(K) * kF32Sum,
                  {spec("st", m.dt, {K, M}), spec("mv", m.dt, {K, N})}, spec("out", DType::F32, {M, N}),
                  [=](Builder& b, const Tensors& t) {
                    Tile acc = b.psum("acc", DType::F32, M, {N});
                    for (uint32_t k0 = 0; k0 < K; k0 += 128) {
                      const uint32_t kk = std::min(128u, K - k0);
                      Tile st = b.sbuf("st_sb", m.dt, kk, {M}), mv = b.sbuf("mv_sb", m.dt, kk, {N});
                      b.load(st, t.at("st").view(k0, kk, 0, M));
                      b.load(mv, t.at("mv").view(k0, kk, 0, N));
                      b.matmul(acc, st, mv, k0 == 0);
                    }
                    evacuate(b, t, acc);
                  },
                  [=](const Values& v) {
                    const auto &st = v.at("st"), &mv = v.at("mv");
                    Expected e;
                    e.want.assign(size_t(M) * N, 0.0);
                    e.scale.assign(size_t(M) * N, 0.0);
                    for (uint32_t k = 0; k < K; ++k)
                      for (uint32_t i = 0; i < M; ++i)
                        for (uint32_t j = 0; j < N; ++j) {
                          const double p = double(st[size_t(k) * M + i]) * mv[size_t(k) * N + j];
                          e.want[size_t(i) * N + j] += p;
                          e.scale[size_t(i) * N + j] += std::fabs(p);
                        }
                    return e;
                  }});
  }
  // out[f, p] = x[p, f], exact (through the array, into FP32 PSUM, then the out dtype).
  for (DType dt : {DType::F32, DType::BF16}) {
    cs.push_back({"transpose", "", {72, 100}, dt, 0, 0, {spec("x", dt, {100, 72})}, spec("out", dt, {72, 100}),
                  [](Builder& b, const Tensors& t) {
                    Tile acc = b.psum("acc", DType::F32, 72, {100});
                    b.transpose(acc, load(b, t.at("x")));
                    evacuate(b, t, acc);
                  },
                  [](const Values& v) {
                    Expected e;
                    for (size_t f = 0; f < 72; ++f)
                      for (size_t p = 0; p < 100; ++p) e.want.push_back(v.at("x")[p * 72 + f]);
                    return e;
                  }});
  }
}

// ---- vector / gpsimd element-wise and reductions ----------------------------------------
double alu(AluOp op, double a, double b) {
  switch (op) {
    case AluOp::add: return a + b;
    case AluOp::subtract: return a - b;
    case AluOp::multiply: return a * b;
    case AluOp::max: return std::max(a, b);
    default: return NAN;
  }
}

void add_elementwise(std::vector<OpCase>& cs) {
  struct Tt { const char* variant; AluOp op; DType dt; Engine e; };
  for (const Tt c : {Tt{"add_dve", AluOp::add, DType::F32, Engine::Vector},
                     Tt{"subtract_pool", AluOp::subtract, DType::F32, Engine::GpSimd},
                     Tt{"max_dve", AluOp::max, DType::F32, Engine::Vector},
                     Tt{"multiply_pool", AluOp::multiply, DType::BF16, Engine::GpSimd}}) {
    // One FP32 rounding of the result (none for max), then one to BF16 for bf16 operands
    // (whose products and sums are exact in FP32 only up to that rounding).
    const double rtol = c.dt == DType::BF16 ? kBf16Rne : c.op == AluOp::max ? 0.0 : kF32Rne;
    cs.push_back({"tensor_tensor", c.variant, {128, 256}, c.dt, kTiny, rtol,
                  {spec("a", c.dt, {128, 256}), spec("b", c.dt, {128, 256})}, spec("out", c.dt, {128, 256}),
                  [c](Builder& b, const Tensors& t) {
                    Tile y = out_tile(b, t);
                    b.tensor_tensor(y, load(b, t.at("a")), load(b, t.at("b")), c.op, c.e);
                    store(b, t, y);
                  },
                  [c](const Values& v) {
                    const auto& bb = v.at("b");
                    return elementwise(v.at("a"), [&](double a, size_t i) { return alu(c.op, a, bb[i]); });
                  }});
  }
  // (a * 0.5) + 1.25 with immediates; a * s[p] - 0.25 with a per-partition scalar tile.
  // a * 0.5 is exact, so the result rounds once; a * s[p] rounds before the subtraction, whose
  // cancellation can leave that error (<= 2^-24 * 4) on a result near 0: an absolute bound.
  cs.push_back({"tensor_scalar", "imm", {128, 200}, DType::F32, kTiny, kF32Rne,
                {spec("a", DType::F32, {128, 200})}, spec("out", DType::F32, {128, 200}),
                [](Builder& b, const Tensors& t) {
                  Tile y = out_tile(b, t);
                  b.tensor_scalar(y, load(b, t.at("a")), AluOp::multiply, 0.5f, AluOp::add, 1.25f);
                  store(b, t, y);
                },
                [](const Values& v) { return elementwise(v.at("a"), [](double a, size_t) { return a * 0.5 + 1.25; }); }});
  cs.push_back({"tensor_scalar", "per_partition_act", {128, 200}, DType::F32, 4.0 * kF32Rne, kF32Rne,
                {spec("a", DType::F32, {128, 200}), spec("s", DType::F32, {128, 1})}, spec("out", DType::F32, {128, 200}),
                [](Builder& b, const Tensors& t) {
                  Tile y = out_tile(b, t);
                  b.tensor_scalar(y, load(b, t.at("a")), AluOp::multiply, load(b, t.at("s")), AluOp::subtract, 0.25f,
                                  Engine::Scalar);
                  store(b, t, y);
                },
                [](const Values& v) {
                  const auto& s = v.at("s");
                  return elementwise(v.at("a"), [&](double a, size_t i) { return a * s[i / 200] - 0.25; });
                }});
  // Row reductions of the innermost free dim.
  for (const auto& [variant, op, dt] : {std::tuple{"max", AluOp::max, DType::F32}, std::tuple{"add", AluOp::add, DType::BF16}}) {
    const AluOp o = op;
    cs.push_back({"tensor_reduce", variant, {128, 1}, dt, kTiny, o == AluOp::add ? 300 * kF32Sum : 0,
                  {spec("x", dt, {128, 300})}, spec("out", DType::F32, {128, 1}),
                  [o](Builder& b, const Tensors& t) {
                    Tile y = out_tile(b, t);
                    b.tensor_reduce(y, load(b, t.at("x")), o);
                    store(b, t, y);
                  },
                  [o](const Values& v) {
                    const auto& x = v.at("x");
                    Expected e;
                    for (size_t p = 0; p < 128; ++p) {
                      double acc = o == AluOp::add ? 0 : -INFINITY, sc = 0;
                      for (size_t f = 0; f < 300; ++f) acc = alu(o, acc, x[p * 300 + f]), sc += std::fabs(x[p * 300 + f]);
                      e.want.push_back(acc);
                      e.scale.push_back(o == AluOp::add ? sc : std::fabs(acc));
                    }
                    return e;
                  }});
  }
  cs.push_back({"tensor_copy", "to_bf16_act", {128, 160}, DType::F32, kTiny, kBf16Rne,
                {spec("x", DType::F32, {128, 160})}, spec("out", DType::F32, {128, 160}),
                [](Builder& b, const Tensors& t) {
                  Tile h = b.sbuf("half", DType::BF16, 128, {160});
                  b.tensor_copy(h, load(b, t.at("x")), Engine::Scalar);
                  Tile y = out_tile(b, t);
                  b.tensor_copy(y, h);
                  store(b, t, y);
                },
                [](const Values& v) { return elementwise(v.at("x"), [](double x, size_t) { return x; }); }});
}

// ---- constants, masks, selection ---------------------------------------------------------
void add_masks(std::vector<OpCase>& cs) {
  cs.push_back({"memset", "", {128, 64}, DType::F32, 0, 0, {}, spec("out", DType::F32, {128, 64}),
                [](Builder& b, const Tensors& t) {
                  Tile y = out_tile(b, t);
                  b.memset(y, 3.5f, Engine::GpSimd);
                  store(b, t, y);
                },
                [](const Values&) { return Expected{std::vector<double>(128 * 64, 3.5), {}}; }});
  // base + p * pmul + i * step, computed exactly in integers (step must be integral).
  cs.push_back({"iota", "", {128, 40}, DType::I32, 0, 0, {}, spec("out", DType::I32, {128, 40}),
                [](Builder& b, const Tensors& t) {
                  Tile y = out_tile(b, t);
                  b.iota(y, -5, 3, 7.0f);
                  store(b, t, y);
                },
                [](const Values&) {
                  Expected e;
                  for (int p = 0; p < 128; ++p)
                    for (int i = 0; i < 40; ++i) e.want.push_back(-5 + 3 * p + 7 * i);
                  return e;
                }});
  cs.push_back({"select", "", {128, 64}, DType::F32, 0, 0,
                {spec("pred", DType::F32, {128, 64}, zeros_and_ones()), spec("t", DType::F32, {128, 64}),
                 spec("f", DType::F32, {128, 64})},
                spec("out", DType::F32, {128, 64}),
                [](Builder& b, const Tensors& t) {
                  Tile y = out_tile(b, t);
                  b.select(y, load(b, t.at("pred")), load(b, t.at("t")), load(b, t.at("f")));
                  store(b, t, y);
                },
                [](const Values& v) {
                  const auto &tt = v.at("t"), &ff = v.at("f");
                  return elementwise(v.at("pred"), [&](double p, size_t i) { return p != 0 ? tt[i] : ff[i]; });
                }});
  // The causal mask of attention: keep x[p, i] where p - i >= 0, else -1e30.
  cs.push_back({"affine_select", "causal", {128, 128}, DType::F32, 0, 0, {spec("x", DType::F32, {128, 128})},
                spec("out", DType::F32, {128, 128}),
                [](Builder& b, const Tensors& t) {
                  Tile y = out_tile(b, t);
                  b.affine_select(y, load(b, t.at("x")), AluOp::is_ge, 0, 1, -1.0f, -1e30f);
                  store(b, t, y);
                },
                [](const Values& v) {
                  return elementwise(v.at("x"), [](double x, size_t i) { return i / 128 >= i % 128 ? x : double(-1e30f); });
                }});
  // The 8 largest of each row, descending; then the index of each in the row.
  auto top8 = [](const std::vector<float>& x, size_t p, size_t F) {
    std::vector<uint32_t> idx(F);
    std::iota(idx.begin(), idx.end(), 0u);
    std::stable_sort(idx.begin(), idx.end(), [&](uint32_t a, uint32_t b) { return x[p * F + a] > x[p * F + b]; });
    idx.resize(8);
    return idx;
  };
  for (const bool indices : {false, true}) {
    cs.push_back({indices ? "find_index8" : "max8", "", {128, 8}, DType::F32, 0, 0, {spec("x", DType::F32, {128, 50})},
                  spec("out", indices ? DType::I32 : DType::F32, {128, 8}),
                  [indices](Builder& b, const Tensors& t) {
                    Tile x = load(b, t.at("x"));
                    Tile vals = indices ? b.sbuf("vals", DType::F32, 128, {8}) : out_tile(b, t);
                    b.max8(vals, x);
                    if (!indices) return store(b, t, vals);
                    Tile y = out_tile(b, t);
                    b.find_index8(y, x, vals);
                    store(b, t, y);
                  },
                  [indices, top8](const Values& v) {
                    const auto& x = v.at("x");
                    Expected e;
                    for (size_t p = 0; p < 128; ++p)
                      for (uint32_t i : top8(x, p, 50)) e.want.push_back(indices ? double(i) : double(x[p * 50 + i]));
                    return e;
                  }});
  }
}

// ---- scalar engine, cross-partition ----------------------------------------------------
void add_act_and_pool(std::vector<OpCase>& cs) {
  // out = exp(x * 0.5 + bias[p]) with a per-partition bias tile.
  cs.push_back({"activation", "exp_scale_bias", {128, 128}, DType::F32, 1e-5, 1e-4,
                {spec("x", DType::F32, {128, 128}), spec("bias", DType::F32, {128, 1})}, spec("out", DType::F32, {128, 128}),
                [](Builder& b, const Tensors& t) {
                  Tile y = out_tile(b, t), bias = load(b, t.at("bias"));
                  Act a;
                  a.scale = 0.5f;
                  a.bias_tile = &bias;
                  b.activation(y, load(b, t.at("x")), ActFunc::exp, a);
                  store(b, t, y);
                },
                [](const Values& v) {
                  const auto& bias = v.at("bias");
                  return elementwise(v.at("x"), [&](double x, size_t i) { return std::exp(x * 0.5 + bias[i / 128]); });
                }});
  // out = the free-axis sum of silu(x), accumulated by the same instruction.
  cs.push_back({"activation", "silu_accumulate", {128, 1}, DType::F32, 1e-5, 1e-4,
                {spec("x", DType::F32, {128, 256})}, spec("out", DType::F32, {128, 1}),
                [](Builder& b, const Tensors& t) {
                  Tile y = b.sbuf("silu", DType::F32, 128, {256}), sum = out_tile(b, t);
                  Act a;
                  a.accum = &sum;
                  b.activation(y, load(b, t.at("x")), ActFunc::silu, a);
                  store(b, t, sum);
                },
                [](const Values& v) {
                  const auto& x = v.at("x");
                  Expected e;
                  for (size_t p = 0; p < 128; ++p) {
                    double s = 0, sc = 0;
                    for (size_t f = 0; f < 256; ++f) {
                      const double y = ref::act(ActFunc::silu, x[p * 256 + f]);
                      s += y, sc += std::fabs(y);
                    }
                    e.want.push_back(s);
                    e.scale.push_back(sc);
                  }
                  return e;
                }});
  cs.push_back({"activation", "gelu_tanh", {128, 64}, DType::BF16, 1e-5, 1e-4 + kBf16Rne,
                {spec("x", DType::BF16, {128, 64})}, spec("out", DType::BF16, {128, 64}),
                [](Builder& b, const Tensors& t) {
                  Tile y = out_tile(b, t);
                  b.activation(y, load(b, t.at("x")), ActFunc::gelu_tanh);
                  store(b, t, y);
                },
                [](const Values& v) {
                  return elementwise(v.at("x"), [](double x, size_t) { return ref::act(ActFunc::gelu_tanh, x); });
                }});
  // Every partition of out receives the fold over the partitions of x, column by column.
  for (const auto& [variant, op, P, Q] : {std::tuple{"add", AluOp::add, 128u, 128u}, std::tuple{"max", AluOp::max, 64u, 4u}}) {
    const AluOp o = op;
    const uint32_t np = P, nq = Q;
    cs.push_back({"partition_reduce", variant, {nq, 32}, DType::F32, kTiny, o == AluOp::add ? np * kF32Sum : 0,
                  {spec("x", DType::F32, {np, 32})}, spec("out", DType::F32, {nq, 32}),
                  [o](Builder& b, const Tensors& t) {
                    Tile y = out_tile(b, t);
                    b.partition_reduce(y, load(b, t.at("x")), o);
                    store(b, t, y);
                  },
                  [o, np, nq](const Values& v) {
                    const auto& x = v.at("x");
                    Expected e;
                    for (uint32_t q = 0; q < nq; ++q)
                      for (size_t f = 0; f < 32; ++f) {
                        double acc = o == AluOp::add ? 0 : -INFINITY, sc = 0;
                        for (size_t p = 0; p < np; ++p) acc = alu(o, acc, x[p * 32 + f]), sc += std::fabs(x[p * 32 + f]);
                        e.want.push_back(acc);
                        e.scale.push_back(o == AluOp::add ? sc : std::fabs(acc));
                      }
                    return e;
                  }});
  }
  // out[p, :] = x[idx[p], :] for a permutation idx.
  cs.push_back({"shuffle", "permutation", {128, 48}, DType::F32, 0, 0,
                {spec("x", DType::F32, {128, 48}), spec("idx", DType::I32, {128, 1}, permutation())},
                spec("out", DType::F32, {128, 48}),
                [](Builder& b, const Tensors& t) {
                  Tile y = out_tile(b, t);
                  b.shuffle(y, load(b, t.at("x")), load(b, t.at("idx")));
                  store(b, t, y);
                },
                [](const Values& v) {
                  const auto& idx = v.at("idx");
                  const auto& x = v.at("x");
                  return elementwise(x, [&](double, size_t i) { return x[size_t(idx[i / 48]) * 48 + i % 48]; });
                }});
}

// ---- collectives ------------------------------------------------------------------------
// One core: the group is that core alone, so out = x. On a chip every rank issues it with the
// group of every core (ChipBuilder's default): out = kernels::ref::collective of the ranks'
// x, reductions in FP32 in ascending rank order with one rounding (exact: tolerance 0).
void add_collectives(std::vector<OpCase>& cs) {
  struct Co { isa::Opcode op; const char* variant; AluOp alu; DType dt; uint64_t rows, cols; };
  for (const Co c : {Co{isa::Opcode::all_reduce, "add", AluOp::add, DType::BF16, 5, 37},
                     Co{isa::Opcode::all_reduce, "max", AluOp::max, DType::F32, 3, 19},
                     Co{isa::Opcode::all_gather, "", AluOp::bypass, DType::F32, 5, 7},
                     Co{isa::Opcode::reduce_scatter, "add", AluOp::add, DType::F32, 6, 11},
                     Co{isa::Opcode::all_to_all, "", AluOp::bypass, DType::I32, 6, 5}}) {
    auto out_shape = [c](uint32_t n) -> std::vector<uint64_t> {
      if (c.op == isa::Opcode::all_gather) return {c.rows * n, c.cols};
      if (c.op == isa::Opcode::reduce_scatter) return {c.rows / n, c.cols};
      return {c.rows, c.cols};
    };
    OpCase oc{std::string(isa::op_info(c.op).name), c.variant, {c.rows, c.cols}, c.dt, 0, 0,
              {spec("x", c.dt, {c.rows, c.cols})}, spec("out", c.dt, out_shape(1)),
              [c](Builder& b, const Tensors& t) {
                const HbmTensor &x = t.at("x"), &o = t.at("out");
                const auto dst = o.view(0, rows(o), 0, cols(o)), src = x.view(0, rows(x), 0, cols(x));
                switch (c.op) {
                  case isa::Opcode::all_reduce: b.all_reduce(dst, src, c.alu); break;
                  case isa::Opcode::all_gather: b.all_gather(dst, src); break;
                  case isa::Opcode::reduce_scatter: b.reduce_scatter(dst, src, c.alu); break;
                  default: b.all_to_all(dst, src); break;
                }
              },
              [](const Values& v) { return elementwise(v.at("x"), [](double x, size_t) { return x; }); }};
    oc.chip_out_shape = out_shape;
    oc.chip_reference = [c](const std::vector<Values>& ranks, uint32_t rank) {
      std::vector<std::vector<float>> x;
      for (const Values& v : ranks) x.push_back(v.at("x"));
      const std::vector<float> got = ref::collective(c.op, c.alu, c.dt, x, rank);
      Expected e;
      e.want.assign(got.begin(), got.end());
      return e;
    };
    cs.push_back(std::move(oc));
  }
}

}  // namespace

std::vector<OpCase> single_op_cases() {
  std::vector<OpCase> cs;
  add_dma_and_pe(cs);
  add_elementwise(cs);
  add_masks(cs);
  add_act_and_pool(cs);
  add_collectives(cs);
  return cs;
}

}  // namespace npulab::kernels::test
