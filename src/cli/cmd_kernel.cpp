// `npulab kernel <gemm|softmax|rmsnorm|layernorm|transpose|act|mamba> [options]`: build a kernel
// with the builder (src/kernels), fill its inputs with seeded random data, run it on the
// simulated chip, verify the outputs against a host reference (kernels/reference.h), and
// print simulated time, TFLOPS and % of the per-core PE peak, engine utilisation and HBM
// bandwidth. --timing-only skips values and verification; --trace writes a Chrome trace.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <random>

#include "arch/chip.h"
#include "cli/command.h"
#include "cli/emit_program.h"
#include "cli/host_env.h"
#include "cli/ranges.h"
#include "cli/kernel_collective.h"
#include "cli/kernel_job.h"
#include "cli/kernel_mamba.h"
#include "common/error.h"
#include "isa/opcode_table.h"
#include "kernels/gemm.h"
#include "kernels/host_io.h"
#include "kernels/kernels.h"
#include "kernels/reference.h"
#include "sim/simulator.h"

namespace npulab::cli {
namespace {

using namespace npulab::kernels;

// ---------------------------------------------------------------- gemm
KernelJob gemm_job(const Common& c, uint64_t M, uint64_t N, uint64_t K, const std::string& layout, GemmOptions go) {
  const DType in = parse_dt(c.dtype, "dtype"), out = out_dtype_of(c, in);
  if (layout != "mk" && layout != "km") fail("--layout must be mk or km, got '{}'", layout);
  go.a_layout = layout == "km" ? ALayout::KM : ALayout::MK;
  KernelJob j;
  j.title = fmt::format("gemm {}x{}x{} (MxNxK) {} -> {}, A {}", M, N, K, dtype_name(in), dtype_name(out),
                        layout == "km" ? "[K,M]" : "[M,K] (on-chip transpose)");
  j.useful_flops = 2.0 * double(M) * double(N) * double(K);
  j.build = [=](Builder& b) {
    auto A = go.a_layout == ALayout::KM ? b.input("A", in, {K, M}) : b.input("A", in, {M, K});
    auto B = b.input("B", in, {K, N});
    auto C = b.output("C", out, {M, N});
    return gemm(b, A, B, C, go).describe();
  };
  auto a = std::make_shared<std::vector<float>>(), bm = std::make_shared<std::vector<float>>();
  j.inputs = [=](const isa::Executable&) {
    *a = rounded(in, random_values(M * K, c.seed * 2 + 1));
    *bm = rounded(in, random_values(K * N, c.seed * 2 + 2));
    return std::map<std::string, std::vector<float>>{{"A", *a}, {"B", *bm}};
  };
  j.verify = [=](const std::map<std::string, std::vector<float>>& o, bool& ok) {
    const auto& C = o.at("C");
    ref::Compare cmp;
    // Every element when cheap (<= 2^28 multiply-adds), else a seeded random sample.
    const bool full = double(M) * double(N) * double(K) <= double(1 << 28);
    const uint64_t samples = full ? M * N : 4096;
    std::mt19937_64 rng(c.seed);
    for (uint64_t s = 0; s < samples; ++s) {
      const uint64_t idx = full ? s : rng() % (M * N);
      double sa = 0;
      const double want = ref::gemm_element(*a, *bm, M, N, K, go.a_layout == ALayout::KM, idx / N, idx % N, &sa);
      const double tol = double(K) * std::ldexp(1.0, -24) * sa + out_eps(out) * std::fabs(want);
      cmp.add(C[idx], want, tol);
    }
    ok = cmp.ok();
    return compare_line(cmp, fmt::format("K*2^-24*sum|a*b| + {:.2g}*|C| ({}, {} vs float64 on dtype-rounded inputs)",
                                         out_eps(out), full ? "all elements" : "4096 sampled elements",
                                         dtype_name(out)));
  };
  return j;
}

// ---------------------------------------------------------------- row-wise kernels
KernelJob rowwise_job(const Common& c, const std::string& kind, uint64_t R, uint64_t C, const std::string& func) {
  const DType in = parse_dt(c.dtype, "dtype"), out = out_dtype_of(c, in);
  KernelJob j;
  j.title = fmt::format("{}{} [{}, {}] {} -> {}", kind, kind == "act" ? " " + func : "", R, C, dtype_name(in),
                        dtype_name(out));
  isa::ActFunc f = isa::ActFunc::identity;
  if (kind == "act") {
    auto p = isa::parse_act(func);
    if (!p) fail("--func: unknown activation '{}'", func);
    f = *p;
  }
  j.build = [=](Builder& b) {
    auto X = b.input("X", in, {R, C});
    if (kind == "transpose") {
      transpose(b, X, b.output("Y", out, {C, R}));
      return std::string();
    }
    auto Y = b.output("Y", out, {R, C});
    if (kind == "softmax") softmax(b, X, Y);
    else if (kind == "rmsnorm") rmsnorm(b, X, b.input("gamma", DType::F32, {C}), Y, 1e-6f);
    else if (kind == "layernorm")
      layernorm(b, X, b.input("gamma", DType::F32, {C}), b.input("beta", DType::F32, {C}), Y, 1e-5f);
    else activation(b, X, Y, f);
    return std::string();
  };
  auto x = std::make_shared<std::vector<float>>(), g = std::make_shared<std::vector<float>>(),
       be = std::make_shared<std::vector<float>>();
  j.inputs = [=](const isa::Executable& exe) {
    const bool positive = f == isa::ActFunc::log || f == isa::ActFunc::sqrt || f == isa::ActFunc::rsqrt ||
                          f == isa::ActFunc::reciprocal;
    *x = rounded(in, random_values(R * C, c.seed, positive ? 0.1f : -4.0f, 4.0f));
    std::map<std::string, std::vector<float>> m{{"X", *x}};
    for (auto& t : exe.tensors) {
      if (t.name == "gamma") m["gamma"] = *g = random_values(C, c.seed + 7, 0.5f, 1.5f);
      if (t.name == "beta") m["beta"] = *be = random_values(C, c.seed + 8, -1.0f, 1.0f);
    }
    return m;
  };
  j.verify = [=](const std::map<std::string, std::vector<float>>& o, bool& ok) {
    const auto& y = o.at("Y");
    ref::Compare cmp;
    std::vector<double> want;
    // Tolerances: the simulator evaluates in FP32 (reductions in FP32, order differs from
    // the float64 reference), then rounds to the output dtype.
    double rtol = std::max(out_eps(out), 2e-5), atol = 1e-6;
    if (kind == "transpose") {
      want.resize(R * C);
      for (uint64_t r = 0; r < R; ++r)
        for (uint64_t cc = 0; cc < C; ++cc) want[cc * R + r] = (*x)[r * C + cc];
      rtol = out_eps(out), atol = 0;
    } else if (kind == "softmax") {
      want = ref::softmax(*x, R, C);
      atol = 1e-7;
    } else if (kind == "rmsnorm") {
      want = ref::rmsnorm(*x, *g, R, C, 1e-6);
      atol = 1e-5;
    } else if (kind == "layernorm") {
      want = ref::layernorm(*x, *g, *be, R, C, 1e-5);
      atol = 1e-4;
    } else {
      want.resize(R * C);
      for (uint64_t i = 0; i < R * C; ++i) want[i] = ref::act(f, (*x)[i]);
      rtol = std::max(out_eps(out), 1e-4), atol = 1e-5;
    }
    for (uint64_t i = 0; i < want.size(); ++i) cmp.add(y[i], want[i], atol + rtol * std::fabs(want[i]));
    ok = cmp.ok();
    return compare_line(cmp, fmt::format("{:.2g} + {:.2g}*|want| vs float64", atol, rtol));
  };
  return j;
}

// Largest --m/--n/--k/--rows/--cols: the host keeps the inputs and the reference result
// (a 65536 x 65536 FP32 matrix is 16 GiB).
constexpr int64_t kMaxDim = 65536;

Run setup_kernel(CLI::App& app) {
  app.require_subcommand(1);
  auto gemm_common = std::make_shared<Common>();
  auto row_common = std::make_shared<Common>();
  auto g = std::make_shared<std::tuple<uint64_t, uint64_t, uint64_t, std::string, GemmOptions>>(
      1024, 1024, 1024, "mk", GemmOptions{});
  CLI::App* gs = app.add_subcommand("gemm", "C[M,N] = A[M,K] @ B[K,N]");
  gs->add_option("--m", std::get<0>(*g), "rows of A and C")->capture_default_str()->check(int_range(1, kMaxDim));
  gs->add_option("--n", std::get<1>(*g), "columns of B and C")->capture_default_str()->check(int_range(1, kMaxDim));
  gs->add_option("--k", std::get<2>(*g), "contraction size")->capture_default_str()->check(int_range(1, kMaxDim));
  gs->add_option("--layout", std::get<3>(*g), "A in HBM: mk = [M,K] (transposed on chip), km = [K,M]")
      ->capture_default_str();
  gs->add_option("--m-tiles", std::get<4>(*g).m_tiles, "128-row tiles per block (0 = auto)");
  gs->add_option("--n-tiles", std::get<4>(*g).n_tiles, "512-col tiles per k-step (0 = auto)");
  add_common(gs, *gemm_common, "bf16");

  auto rw = std::make_shared<std::tuple<uint64_t, uint64_t, std::string>>(1024, 1024, "gelu");
  std::vector<std::pair<std::string, CLI::App*>> rows;
  for (const char* k : {"softmax", "rmsnorm", "layernorm", "transpose", "act"}) {
    CLI::App* s = app.add_subcommand(k, fmt::format("{} kernel on a [rows, cols] tensor", k));
    s->add_option("--rows", std::get<0>(*rw), "rows (on partitions, 128 at a time)")
        ->capture_default_str()
        ->check(int_range(1, kMaxDim));
    s->add_option("--cols", std::get<1>(*rw), "columns (free axis)")->capture_default_str()->check(int_range(1, kMaxDim));
    if (std::string(k) == "act") s->add_option("--func", std::get<2>(*rw), "activation function")->capture_default_str();
    add_common(s, *row_common, "f32");
    rows.emplace_back(k, s);
  }
  const auto collectives = add_collective_kernels(app);  // all-reduce, ... (kernel_collective.cpp)
  const auto mamba = add_mamba_kernel(app);              // kernel_mamba.cpp
  return [=]() {
    if (const auto rc = collectives()) return *rc;
    if (const auto rc = mamba()) return *rc;
    if (gs->parsed()) {
      auto& [m, n, k, layout, go] = *g;
      if (m == 0 || n == 0 || k == 0) fail("gemm: --m, --n and --k must be > 0");
      KernelJob j = gemm_job(*gemm_common, m, n, k, layout, go);
      return run_job(*gemm_common, j);
    }
    for (auto& [name, s] : rows)
      if (s->parsed()) {
        auto& [r, cc, func] = *rw;
        if (r == 0 || cc == 0) fail("{}: --rows and --cols must be > 0", name);
        KernelJob j = rowwise_job(*row_common, name, r, cc, func);
        return run_job(*row_common, j);
      }
    return 1;
  };
}

Registrar reg{"kernel",
              "Build, simulate and verify a kernel (gemm, softmax, rmsnorm, layernorm, transpose, act, mamba; all-reduce, "
              "all-gather, reduce-scatter, all-to-all among a chip's cores)",
              setup_kernel};

}  // namespace
}  // namespace npulab::cli
