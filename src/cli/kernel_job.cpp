// The runner behind `npulab kernel`'s single-core subcommands (kernel_job.h).
#include "cli/kernel_job.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "arch/chip.h"
#include "cli/host_env.h"
#include "cli/ranges.h"
#include "common/error.h"
#include "isa/opcode_table.h"
#include "kernels/host_io.h"
#include "sim/simulator.h"

namespace npulab::cli {

using namespace npulab::kernels;
namespace {
using Clock = std::chrono::steady_clock;
double secs(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }
}  // namespace

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


namespace {
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

}  // namespace

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


}  // namespace npulab::cli
