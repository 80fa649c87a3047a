// `npulab bench`: a serving benchmark on the simulated chip, as vLLM's `bench serve` runs one
// against a server - a workload (synthetic lengths or a preset, a trace, or a dataset of
// real prompts), clients at a request rate or a fixed concurrency (a list of either is a
// sweep, one run per value), the serving engine (continuous batching, paged KV cache,
// prefix caching) stepping in simulated time, and vLLM's metrics. Timing-only by default:
// step times from the deployment's performance table (built by simulating its step
// programs, cached on disk); --functional runs every step's programs with the real weights
// and samples real tokens. docs/SERVING.md.
#include <fmt/format.h>

#include <fstream>
#include <optional>
#include <thread>

#include "arch/chip.h"
#include "cli/bench_setup.h"
#include "cli/command.h"
#include "cli/cost_options.h"
#include "cli/host_env.h"
#include "cli/progress.h"
#include "cli/ranges.h"
#include "common/error.h"
#include "serve/bench_plots.h"
#include "serve/functional_backend.h"
#include "serve/npu_perf_model.h"
#include "serve/perf_cache.h"
#include "serve/report.h"
#include "serve/step_trace.h"

namespace npulab::cli {
namespace {

using namespace npulab::serve;

// The backend of every run: the table's PerfModel, or the functional chip.
struct Backends {
  std::unique_ptr<NpuPerfModel> perf;
  std::unique_ptr<TimingBackend> timing;
  std::unique_ptr<FunctionalBackend> functional;
  StepBackend& backend() { return functional ? static_cast<StepBackend&>(*functional) : *timing; }
  KvMemory memory() const { return functional ? functional->memory() : perf->memory(); }
};

Backends make_backends(const BenchArgs& a, const BenchModel& bm, int64_t max_context) {
  Backends b;
  if (a.functional) {
    FunctionalOptions fo;
    fo.slots = a.max_num_seqs;
    fo.max_context = max_context;
    fo.weight_dtype = bm.dtype;
    fo.sampling.temperature = float(a.temperature);
    fo.chip = chip_options_from_env();
    b.functional = std::make_unique<FunctionalBackend>(bm.config, *bm.model->weights, bm.chip, fo);
    return b;
  }
  NpuDeployment d;
  d.model = bm.config;
  d.chip = bm.chip;
  d.weight_dtype = bm.dtype;
  d.tp = a.tp;
  d.max_context = max_context;
  d.max_batch = std::min<int64_t>(a.max_num_seqs, bm.chip.tensor.cols);
  d.validate();
  const std::string cache = a.no_cache ? "" : (a.cache_dir.empty() ? cache_dir_from_env() : a.cache_dir);
  ProgressBar bar("npulab bench: building the performance table");
  PerfTableOrigin origin;
  const int threads = a.threads > 0 ? int(a.threads) : int(std::max(1u, std::thread::hardware_concurrency()));
  PerfTable t = standard_perf_table(
      d, cache, threads, [&](int64_t done, int64_t total) { bar.update(done, total, "step programs simulated"); },
      &origin);
  bar.finish();
  if (origin.cached)
    fmt::print(stderr, "npulab bench: performance table from the cache ({}), {:.2f} s\n", origin.path, origin.host_s);
  else
    fmt::print(stderr, "npulab bench: performance table built: {} step programs simulated in {:.2f} s on {} threads{}\n",
               origin.programs, origin.host_s, threads, origin.path.empty() ? "" : ", cached as " + origin.path);
  b.perf = std::make_unique<NpuPerfModel>(d, std::move(t));
  b.timing = std::make_unique<TimingBackend>(*b.perf);
  return b;
}

SchedulerConfig scheduler_config(const BenchArgs& a, const BenchModel& bm, const KvMemory& mem) {
  SchedulerConfig c;
  c.max_num_seqs = a.max_num_seqs;
  c.max_num_batched_tokens = a.max_num_batched_tokens;
  c.chunked_prefill = !a.no_chunked_prefill;
  c.max_model_len = mem.max_context;
  c.block_size = a.block_size;
  // Functional: each sequence holds a KV slot of the compiled layout, not shared blocks.
  c.prefix_caching = !a.no_prefix_caching && !a.functional;
  c.eos_ids = bm.config.eos_ids;
  const int64_t block_bytes = mem.bytes_per_token * a.block_size;
  c.num_blocks = a.functional ? a.max_num_seqs * ((mem.max_context + a.block_size - 1) / a.block_size)
                              : int64_t(double(mem.capacity_bytes) * a.kv_fraction) / block_bytes;
  if (c.num_blocks < 1)
    fail("the KV cache gets {:.1f} MiB ({} of the memory left), less than one block of {} positions ({:.1f} KiB)",
         double(mem.capacity_bytes) * a.kv_fraction / 1048576.0, a.kv_fraction, a.block_size, block_bytes / 1024.0);
  c.validate();
  return c;
}

void write_outputs(const BenchArgs& a, const std::vector<BenchRun>& runs) {
  if (!a.json.empty()) {
    nlohmann::json j = {{"runs", nlohmann::json::array()}};
    for (const BenchRun& r : runs) j["runs"].push_back(run_json(r));
    std::ofstream out(a.json);
    if (!out) fail("--json: cannot write '{}'", a.json);
    out << j.dump(1) << "\n";
  }
  if (!a.csv.empty()) {
    std::ofstream out(a.csv);
    if (!out) fail("--csv: cannot write '{}'", a.csv);
    write_request_csv_header(out);
    for (const BenchRun& r : runs) write_request_csv(out, r);
  }
  if (!a.plot.empty())
    for (const std::string& f : write_bench_plots(a.plot, runs)) fmt::print(stderr, "npulab bench: wrote {}\n", f);
  if (!a.step_trace.empty()) write_step_trace(a.step_trace, runs);
  if (!a.dump_outputs.empty()) {
    std::ofstream out(a.dump_outputs);
    if (!out) fail("--dump-outputs: cannot write '{}'", a.dump_outputs);
    for (const BenchRun& r : runs)
      for (const Sequence& s : r.run.seqs)
        out << nlohmann::json{{"run", r.info.label}, {"id", s.req->id}, {"prompt", s.req->prompt.materialize()},
                              {"output", s.output}, {"finish_reason", finish_reason_name(s.reason)},
                              {"error", s.error}}
                   .dump()
            << "\n";
  }
}

int run(BenchArgs& a, const CostOptions& cost) {
  a.validate();
  const BenchModel bm = load_bench_model(a);
  // The run uses one chip (docs/COST.md, "A run's share").
  const serve::RunCostData cost_data = resolve_run_cost({bm.chip.name, 1}, cost, arch::ChipSearchPath::standard());
  BenchWorkload w = make_workload(a, bm);
  Backends b = make_backends(a, bm, w.max_context);
  const KvMemory mem = b.memory();
  EngineOptions eo;
  eo.scheduler = scheduler_config(a, bm, mem);
  fmt::print(stderr,
             "npulab bench: {}; {} requests ({}); KV cache {} blocks x {} positions ({:.2f} GiB), up to {} sequences, "
             "{} tokens per step{}\n",
             b.functional ? b.functional->runner().layout().config().name + " functional on " + bm.chip.name
                          : b.perf->describe(),
             w.requests.size(), w.describe, eo.scheduler.num_blocks, eo.scheduler.block_size,
             double(eo.scheduler.num_blocks * eo.scheduler.block_size * mem.bytes_per_token) / 1073741824.0,
             eo.scheduler.max_num_seqs, eo.scheduler.max_num_batched_tokens,
             eo.scheduler.prefix_caching ? ", prefix caching" : "");
  std::vector<BenchRun> runs;
  for (const SweepPoint& p : sweep_points(a)) {
    if (p.set_arrivals) set_arrivals(w.requests, p.arrivals, a.seed);
    eo.max_concurrency = p.concurrency;
    ProgressBar bar("npulab bench: " + p.label);
    BenchRun r;
    r.run = run_engine(eo, b.backend(), w.requests, [&](int64_t done, int64_t total, double now_s) {
      bar.update(done, total, fmt::format("requests, {:.1f} s simulated", now_s));
    });
    bar.finish();
    r.info.system = bm.system;
    r.info.model = bm.config.name;
    r.info.dtype = dtype_name(bm.dtype);
    r.info.mode = b.functional ? "functional" : "timing-only";
    r.info.tp = a.tp;
    r.info.workload = w.describe;
    r.info.request_rate = p.arrivals.rate;
    r.info.burstiness = p.arrivals.burstiness;
    r.info.max_concurrency = p.concurrency;
    r.info.slo = a.slo;
    r.info.label = p.label;
    r.summary = summarize(r.run, a.slo);
    r.cost = serve::price_run(r.summary, r.run, cost_data);
    fmt::print("{}", summary_text(r));
    runs.push_back(std::move(r));
  }
  if (runs.size() > 1) fmt::print("\n{}", sweep_table(runs));
  write_outputs(a, runs);
  return 0;
}

Run setup(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  auto cost = std::make_shared<CostOptions>();
  add_bench_options(app, *a);
  add_cost_options(app, *cost);
  return [a, cost]() { return run(*a, *cost); };
}

Registrar reg{"bench", "Serving benchmark on the simulated chip (continuous batching, vLLM-style metrics)", setup};

}  // namespace
}  // namespace npulab::cli
