// Kernel cases of the every-mode table: the standard kernels (src/kernels) on shapes that
// leave partial tiles (rows not a multiple of 128, K and N not multiples of the tile sizes),
// against the float64 host references of kernels/reference.h (on the inputs as rounded to their
// dtype). Tolerances: FP32 accumulation of n terms <= n * 2^-24 * sum |terms|, plus one
// rounding to the output dtype.
#include <cmath>

#include "isa/opcode_table.h"
#include "kernels/gemm.h"
#include "kernels/host_io.h"
#include "kernels/kernels.h"
#include "kernels/mamba.h"
#include "kernels/reference.h"
#include "op_cases.h"

namespace npulab::kernels::test {
namespace {

using Tensors = std::map<std::string, HbmTensor>;

// Unit roundoff of one RNE rounding to the output dtype (significand bits: FP32 24, BF16 8).
double out_rne(DType t) { return t == DType::F32 ? std::ldexp(1.0, -24) : std::ldexp(1.0, -8); }

Expected doubles(std::vector<double> v) { return {std::move(v), {}}; }

void add_gemms(std::vector<OpCase>& cs) {
  struct G { const char* variant; DType in, out; ALayout layout; uint64_t M, N, K; };
  for (const G g : {G{"mk", DType::BF16, DType::F32, ALayout::MK, 130, 520, 136},
                    G{"km", DType::F32, DType::F32, ALayout::KM, 200, 300, 130},
                    G{"fp8_mk", DType::F8E4M3, DType::BF16, ALayout::MK, 64, 512, 256}}) {
    const bool km = g.layout == ALayout::KM;
    cs.push_back({"gemm", g.variant, {g.M, g.N, g.K}, g.in, 1e-30, double(g.K) * std::ldexp(1.0, -24) + out_rne(g.out),
                  {TensorSpec{"A", g.in, km ? std::vector<uint64_t>{g.K, g.M} : std::vector<uint64_t>{g.M, g.K}, {}},
                   TensorSpec{"B", g.in, {g.K, g.N}, {}}},
                  TensorSpec{"out", g.out, {g.M, g.N}, {}},
                  [g](Builder& b, const Tensors& t) {
                    GemmOptions o;
                    o.a_layout = g.layout;
                    gemm(b, t.at("A"), t.at("B"), t.at("out"), o);
                  },
                  [g, km](const Values& v) {
                    Expected e;
                    for (uint64_t m = 0; m < g.M; ++m)
                      for (uint64_t n = 0; n < g.N; ++n) {
                        double sum_abs = 0;
                        e.want.push_back(ref::gemm_element(v.at("A"), v.at("B"), g.M, g.N, g.K, km, m, n, &sum_abs));
                        e.scale.push_back(sum_abs);
                      }
                    return e;
                  }});
  }
}

void add_rowwise(std::vector<OpCase>& cs) {
  for (const auto& [dt, R, C] : {std::tuple{DType::F32, 130u, 160u}, std::tuple{DType::BF16, 64u, 300u}}) {
    const uint64_t r = R, c = C;
    cs.push_back({"softmax", "", {r, c}, dt, 1e-7, 2e-5 + out_rne(dt), {TensorSpec{"X", dt, {r, c}, {}}},
                  TensorSpec{"out", dt, {r, c}, {}},
                  [](Builder& b, const Tensors& t) { softmax(b, t.at("X"), t.at("out")); },
                  [r, c](const Values& v) { return doubles(ref::softmax(v.at("X"), r, c)); }});
  }
  const auto gamma = [](uint64_t n, uint64_t seed) { return random_values(n, seed, 0.5f, 1.5f); };
  cs.push_back({"rmsnorm", "", {130, 128}, DType::F32, 1e-5, 2e-5,
                {TensorSpec{"X", DType::F32, {130, 128}, {}}, TensorSpec{"g", DType::F32, {128}, gamma}},
                TensorSpec{"out", DType::F32, {130, 128}, {}},
                [](Builder& b, const Tensors& t) { rmsnorm(b, t.at("X"), t.at("g"), t.at("out"), 1e-6f); },
                [](const Values& v) { return doubles(ref::rmsnorm(v.at("X"), v.at("g"), 130, 128, 1e-6)); }});
  cs.push_back({"layernorm", "", {130, 96}, DType::F32, 1e-4, 2e-5,
                {TensorSpec{"X", DType::F32, {130, 96}, {}}, TensorSpec{"g", DType::F32, {96}, gamma},
                 TensorSpec{"beta", DType::F32, {96}, {}}},
                TensorSpec{"out", DType::F32, {130, 96}, {}},
                [](Builder& b, const Tensors& t) { layernorm(b, t.at("X"), t.at("g"), t.at("beta"), t.at("out"), 1e-5f); },
                [](const Values& v) { return doubles(ref::layernorm(v.at("X"), v.at("g"), v.at("beta"), 130, 96, 1e-5)); }});
  cs.push_back({"transpose", "kernel", {200, 130}, DType::BF16, 0, 0, {TensorSpec{"X", DType::BF16, {130, 200}, {}}},
                TensorSpec{"out", DType::BF16, {200, 130}, {}},
                [](Builder& b, const Tensors& t) { transpose(b, t.at("X"), t.at("out")); },
                [](const Values& v) {
                  std::vector<double> y;
                  for (size_t c = 0; c < 200; ++c)
                    for (size_t r = 0; r < 130; ++r) y.push_back(v.at("X")[r * 200 + c]);
                  return doubles(y);
                }});
  for (const auto& [f, dt] : {std::pair{isa::ActFunc::silu, DType::F32}, std::pair{isa::ActFunc::tanh, DType::BF16}}) {
    const isa::ActFunc fn = f;
    cs.push_back({"activation_kernel", std::string(isa::act_name(fn)), {200, 96}, dt, 1e-5, 1e-4 + out_rne(dt),
                  {TensorSpec{"X", dt, {200, 96}, {}}}, TensorSpec{"out", dt, {200, 96}, {}},
                  [fn](Builder& b, const Tensors& t) { activation(b, t.at("X"), t.at("out"), fn); },
                  [fn](const Values& v) {
                    std::vector<double> y;
                    for (float x : v.at("X")) y.push_back(ref::act(fn, x));
                    return doubles(y);
                  }});
  }
}

}  // namespace

// The Mamba selective scan, one case per schedule: 1 batch, 128 channels, 1024 steps (two v3
// chunks), 2 states; delta in (0, 0.1], A < 0 as in Mamba.
void add_mamba(std::vector<OpCase>& cs) {
  const MambaShape s{1, 128, 1024, 2};
  const auto uniform = [](float lo, float hi) {
    return [lo, hi](uint64_t n, uint64_t seed) { return random_values(n, seed, lo, hi); };
  };
  for (const char* v : {"v1", "v2", "v3"}) {
    cs.push_back({"mamba", v, {s.channels, s.seq}, DType::F32, 1e-5, 1e-4,
                  {TensorSpec{"delta", DType::F32, {s.channels, s.seq}, uniform(0.001f, 0.1f)},
                   TensorSpec{"u", DType::F32, {s.channels, s.seq}, {}},
                   TensorSpec{"A", DType::F32, {s.channels, s.state}, uniform(-4.0f, -0.5f)},
                   TensorSpec{"B", DType::F32, {s.state, s.seq}, {}}, TensorSpec{"C", DType::F32, {s.state, s.seq}, {}}},
                  TensorSpec{"out", DType::F32, {s.channels, s.seq}, {}},
                  [s, v](Builder& b, const Tensors& t) {
                    mamba(b, t.at("delta"), t.at("u"), t.at("A"), t.at("B"), t.at("C"), t.at("out"), s,
                          parse_mamba_schedule(v));
                  },
                  [s](const Values& x) {
                    std::vector<double> w = ref::mamba(x.at("delta"), x.at("u"), x.at("A"), x.at("B"), x.at("C"),
                                                       s.batch, s.channels, s.seq, s.state);
                    Expected e;
                    for (double d : w) e.scale.push_back(std::fabs(d));
                    e.want = std::move(w);
                    return e;
                  }});
  }
}

std::vector<OpCase> kernel_cases() {
  std::vector<OpCase> cs;
  add_gemms(cs);
  add_rowwise(cs);
  add_mamba(cs);
  return cs;
}

}  // namespace npulab::kernels::test
