// `npulab kernel <gemm|softmax|rmsnorm|layernorm|transpose|act> [options]`: build a kernel
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
using Clock = std::chrono::steady_clock;
double secs(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

struct Common {
  std::string hw = "trn2", dtype = "f32", out_dtype, trace;
  bool timing_only = false, no_race_check = false;
  uint32_t dma_sets = BuilderOptions{}.dma_queue_sets;
  uint64_t seed = 1;
  EmitArgs emit{"", ""};  // --emit asm|npx: print the built program instead of running it
};

void add_common(CLI::App* s, Common& c, const char* default_dtype) {
  c.dtype = default_dtype;
  s->add_option("--hw", c.hw, "chip name (hw/<name>.toml) or path")->capture_default_str();
  s->add_option("--dtype", c.dtype, "input dtype (f32, bf16, f16, f8e4m3, ...)")->capture_default_str();
  s->add_option("--out-dtype", c.out_dtype, "output dtype (default: f32 for f32 inputs, else bf16)");
  s->add_flag("--timing-only", c.timing_only, "simulate timing only: no values, no verification");
  s->add_option("--trace", c.trace, "write a Chrome trace JSON (open in Perfetto)");
  s->add_option("--seed", c.seed, "seed of the random inputs")->capture_default_str();
  s->add_flag("--no-race-check", c.no_race_check, "skip the race detector (faster)");
  s->add_option("--dma-sets", c.dma_sets, "DMA queue sets the builder rotates over (16 queues each)")
      ->capture_default_str()
      ->check(int_range(1));
  add_emit_options(*s, c.emit);
}

DType parse_dt(const std::string& s, const char* opt) {
  auto d = parse_dtype(s);
  if (!d) fail("--{}: unknown dtype '{}' (try f32, bf16, f16, f8e4m3, f8e5m2)", opt, s);
  return *d;
}

// What a kernel subcommand provides: build the program, give inputs, check outputs.
struct KernelJob {
  std::string title;
  double useful_flops = 0;  // for TFLOPS (matmul work), 0 if not a matmul kernel
  std::function<std::string(Builder&)> build;  // emits the kernel; returns its plan line (or "")
  // inputs by tensor name, as the chip will see them (rounded to the tensor dtype)
  std::function<std::map<std::string, std::vector<float>>(const isa::Executable&)> inputs;
  // compare outputs; returns a summary line; sets ok
  std::function<std::string(const std::map<std::string, std::vector<float>>&, bool&)> verify;
};

void print_engines(const sim::SimResult& r, const arch::ChipConfig& chip) {
  if (r.total_ns <= 0) return;
  std::string fixed;
  double queue_busy = 0, busiest = 0;
  uint32_t queues = 0;
  for (auto& s : r.streams) {
    if (s.stream < isa::kNumFixedStreams) {
      fixed += fmt::format("  {} {:.1f}%", isa::stream_name(s.stream), 100.0 * s.busy_ns / r.total_ns);
    } else if (s.instrs > 0) {
      ++queues;
      queue_busy += s.busy_ns;
      busiest = std::max(busiest, s.busy_ns);
    }
  }
  fmt::print("engine busy:   {}\n", fixed);
  if (queues > 0) {
    // A queue is occupied from issue to completion (fixed latency, descriptors and waiting
    // for its engine's / HBM's bandwidth included); several queues share one DMA engine.
    const double core_gbps = chip.dma.engines_per_core * chip.dma.bytes_per_ns_per_engine;
    fmt::print("DMA queues:    {} used, average {:.1f}% occupied, busiest {:.1f}%; HBM traffic {:.1f}% of one core's "
               "DMA bandwidth ({:.0f} GB/s)\n",
               queues, 100.0 * queue_busy / queues / r.total_ns, 100.0 * busiest / r.total_ns,
               100.0 * r.hbm_gbps() / core_gbps, core_gbps);
  }
}

int run_job(const Common& c, KernelJob& job) {
  const arch::ChipConfig chip = arch::load_chip_by_name(c.hw);
  auto t0 = Clock::now();
  BuilderOptions bo;
  bo.dma_queue_sets = c.dma_sets;
  Builder b(chip, job.title, bo);
  const std::string plan = job.build(b);
  isa::Executable exe = b.finish();
  const double t_build = secs(t0);
  if (!c.emit.format.empty()) return emit_program(exe, c.emit);
  if (!plan.empty()) fmt::print("plan:          {}\n", plan);
  fmt::print("kernel:        {} on {} (one NeuronCore)\n", job.title, chip.name);
  fmt::print("program:       {} instructions ({} waits, {} DMA transfers), built in {:.2f} s\n", exe.num_instrs(),
             b.stats().waits, b.stats().dma_groups, t_build);

  const sim::Mode mode = c.timing_only ? sim::Mode::TimingOnly : sim::Mode::Functional;
  sim::Chip sim(chip, mode, chip_options_from_env());
  std::map<std::string, std::vector<float>> inputs;
  if (!c.timing_only) {
    inputs = job.inputs(exe);
    for (auto& [name, v] : inputs) write_tensor(sim.hbm(), find_tensor(exe, name), v);
    if (exe.num_instrs() > 200000)
      fmt::print("note:          functional simulation of {} instructions computes every value; this takes a "
                 "while (use --timing-only for timing alone)\n", exe.num_instrs());
  }
  sim::SimOptions opt;
  opt.mode = mode;
  opt.check_races = !c.no_race_check && !c.timing_only;
  opt.trace_path = c.trace;
  auto t1 = Clock::now();
  sim::SimResult r = sim.run(exe, opt);
  const double t_sim = secs(t1);

  const double flops = job.useful_flops > 0 ? job.useful_flops : r.flops;
  fmt::print("simulated:     {:.3f} us\n", r.total_ns / 1e3);
  if (flops > 0) {
    const auto peaks = arch::derive_peaks(chip);
    const DType in = parse_dt(c.dtype, "dtype");
    const double peak = dtype_size(in) == 4   ? peaks.tensor_tflops_fp32_core
                        : dtype_size(in) == 1 ? peaks.tensor_tflops_fp8_core
                                              : peaks.tensor_tflops_bf16_core;
    const double tflops = flops / r.total_ns / 1e3;
    fmt::print("throughput:    {:.2f} TFLOPS = {:.1f}% of the {:.1f} TFLOPS {} per-core PE peak\n", tflops,
               100.0 * tflops / peak, peak, dtype_size(in) == 4 ? "fp32" : dtype_size(in) == 1 ? "fp8" : "bf16");
  }
  fmt::print("HBM:           {:.1f} MB read, {:.1f} MB written, {:.1f} GB/s\n", r.hbm_bytes_read / 1e6,
             r.hbm_bytes_written / 1e6, r.hbm_gbps());
  print_engines(r, chip);
  fmt::print("host:          {:.3f} s simulating ({:.3g} M instructions/s{}){}\n", t_sim,
             t_sim > 0 ? r.instrs / t_sim / 1e6 : 0.0, opt.check_races ? ", race detector on" : "",
             c.timing_only ? ", timing-only" : "");
  if (!c.trace.empty()) fmt::print("trace:         {}\n", c.trace);
  int rc = 0;
  if (opt.check_races) {
    fmt::print("races:         {}\n", r.races.size());
    for (size_t i = 0; i < std::min<size_t>(r.races.size(), 5); ++i) fmt::print("  {}\n", r.races[i].message);
    if (!r.races.empty()) rc = 1;
  }
  if (!c.timing_only) {
    std::map<std::string, std::vector<float>> outs;
    for (auto& t : exe.tensors)
      if (t.kind == isa::TensorDecl::Kind::Output) outs[t.name] = read_tensor(sim.hbm(), t);
    auto t2 = Clock::now();
    bool ok = false;
    const std::string line = job.verify(outs, ok);
    fmt::print("verify:        {} ({:.2f} s)\n", line, secs(t2));
    if (!ok) rc = 1;
  }
  return rc;
}

std::string compare_line(const ref::Compare& cmp, const std::string& tol) {
  return fmt::format("{} — {} elements checked, {} out of tolerance; max abs err {:.3g}, max rel err {:.3g}; "
                     "tolerance {}",
                     cmp.ok() ? "PASS" : "FAIL", cmp.checked, cmp.bad, cmp.max_abs, cmp.max_rel, tol);
}

DType out_dtype_of(const Common& c, DType in) {
  if (!c.out_dtype.empty()) return parse_dt(c.out_dtype, "out-dtype");
  return in == DType::F32 ? DType::F32 : DType::BF16;
}

double out_eps(DType t) {
  switch (t) {
    case DType::F32: return std::ldexp(1.0, -23);
    case DType::BF16: return std::ldexp(1.0, -8);
    case DType::F16: return std::ldexp(1.0, -10);
    default: return std::ldexp(1.0, -3);
  }
}

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
  return [=]() {
    if (const auto rc = collectives()) return *rc;
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
              "Build, simulate and verify a kernel (gemm, softmax, rmsnorm, layernorm, transpose, act; all-reduce, "
              "all-gather, reduce-scatter, all-to-all among a chip's cores)",
              setup_kernel};

}  // namespace
}  // namespace npulab::cli
