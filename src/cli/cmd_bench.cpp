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
#include "deploy/system_model.h"
#include "validate/expected_error.h"
#include "common/error.h"
#include "serve/bench_plots.h"
#include "serve/functional_backend.h"
#include "serve/comparison.h"
#include "serve/report.h"
#include "serve/step_trace.h"

namespace npulab::cli {
namespace {

using namespace npulab::serve;

// One system's backends: one per engine (data-parallel replicas x a pipeline's virtual
// engines) over its deployment's PerfModel (timing-only), or the functional chip.
struct Backends {
  deploy::SystemModel sys;
  std::vector<std::unique_ptr<TimingBackend>> timing;
  std::unique_ptr<FunctionalBackend> functional;
  std::vector<StepBackend*> replicas() const {
    if (functional) return {functional.get()};
    return deploy::backend_ptrs(timing);
  }
  KvMemory memory() const { return functional ? functional->memory() : sys.perf->memory(); }
  std::string describe() const {
    if (functional) return functional->runner().layout().config().name + " functional on " + sys.device;
    if (sys.dp == 1) return sys.perf->describe();
    return fmt::format("{} data-parallel replicas on {} of the system's {} devices, each {}", sys.dp, sys.devices,
                       sys.system_devices, sys.perf->describe());
  }
};

Backends make_functional(const BenchArgs& a, const BenchModel& bm, const std::string& system, int64_t max_context) {
  Backends b;
  b.sys.system = system;
  b.sys.kind = "chip";
  b.sys.device = bm.chip.name;
  FunctionalOptions fo;
  fo.slots = a.max_num_seqs;
  fo.max_context = max_context;
  fo.weight_dtype = bm.dtype;
  fo.sampling.temperature = float(a.temperature);
  fo.chip = chip_options_from_env();
  b.functional = std::make_unique<FunctionalBackend>(bm.config, *bm.model->weights, bm.chip, fo);
  return b;
}

Backends make_timing(const BenchArgs& a, const BenchModel& bm, const std::string& system, int64_t max_context) {
  deploy::DeploySpec spec;
  spec.model = bm.config;
  spec.weight_dtype = bm.dtype;
  spec.tp = a.tp;
  spec.dp = a.dp;
  spec.pp = a.pp;
  spec.micro_batches = a.micro_batches;
  spec.virtual_engines = a.virtual_engines;
  spec.max_context = max_context;
  spec.max_batch = a.max_num_seqs;
  spec.max_batched_tokens = a.max_num_batched_tokens;
  spec.stack = a.stack;
  spec.cache_dir = a.no_cache ? "" : (a.cache_dir.empty() ? cache_dir_from_env() : a.cache_dir);
  spec.threads = a.threads > 0 ? int(a.threads) : int(std::max(1u, std::thread::hardware_concurrency()));
  ProgressBar bar("npulab bench: " + system + ": building the performance table");
  spec.progress = [&](int64_t done, int64_t total) { bar.update(done, total, "step programs simulated"); };
  Backends b;
  b.sys = deploy::make_system_model(system, spec, arch::ChipSearchPath::standard());
  bar.finish();
  fmt::print(stderr, "npulab bench: {}: {}\n", system, b.sys.note);
  b.timing = deploy::engine_backends(b.sys);
  return b;
}

SchedulerConfig scheduler_config(const BenchArgs& a, const BenchModel& bm, const Backends& b, const KvMemory& mem) {
  SchedulerConfig c;
  c.max_num_seqs = a.max_num_seqs;
  // The system's stack decides chunking and the default budget (functional runs: none).
  c.chunked_prefill = !a.no_chunked_prefill && b.sys.chunked_prefill;
  c.max_num_batched_tokens = b.functional ? (a.max_num_batched_tokens > 0 ? a.max_num_batched_tokens : 512)
                                          : b.sys.max_num_batched_tokens;
  if (!c.chunked_prefill) c.max_num_batched_tokens = std::max(c.max_num_batched_tokens, mem.max_context);
  c.max_model_len = mem.max_context;
  c.block_size = a.block_size;
  // Functional: each sequence holds a KV slot of the compiled layout, not shared blocks.
  c.prefix_caching = !a.no_prefix_caching && !a.functional;
  c.eos_ids = bm.config.eos_ids;
  const int64_t block_bytes = mem.bytes_per_token * a.block_size;
  // A pipeline's virtual engines each hold an equal share of its cache.
  c.num_blocks = a.functional ? a.max_num_seqs * ((mem.max_context + a.block_size - 1) / a.block_size)
                              : int64_t(double(mem.capacity_bytes) * a.kv_fraction) / block_bytes /
                                    std::max<int64_t>(1, b.sys.virtual_engines);
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

// The sweep on one system, appended to `runs`.
void run_system(const BenchArgs& a, const CostOptions& cost, const BenchModel& bm, BenchWorkload& w,
                const std::string& system, std::vector<BenchRun>& runs) {
  Backends b = a.functional ? make_functional(a, bm, system, w.max_context) : make_timing(a, bm, system, w.max_context);
  // The run pays for the devices its deployment occupies (docs/COST.md, "A run's share").
  const serve::RunCostData cost_data =
      resolve_run_cost({b.sys.device, b.sys.devices}, cost, arch::ChipSearchPath::standard());
  const KvMemory mem = b.memory();
  EngineOptions eo;
  eo.scheduler = scheduler_config(a, bm, b, mem);
  eo.routing = parse_routing(a.routing, "--routing");
  fmt::print(stderr,
             "npulab bench: {}; {} requests ({}); KV cache{} {} blocks x {} positions ({:.2f} GiB), up to {} sequences, "
             "{} tokens per step{}\n",
             b.describe(), w.requests.size(), w.describe, b.sys.dp > 1 || b.sys.virtual_engines > 1 ? " per engine" : "", eo.scheduler.num_blocks,
             eo.scheduler.block_size,
             double(eo.scheduler.num_blocks * eo.scheduler.block_size * mem.bytes_per_token) / 1073741824.0,
             eo.scheduler.max_num_seqs, eo.scheduler.max_num_batched_tokens,
             eo.scheduler.prefix_caching ? ", prefix caching" : "");
  const std::vector<FigureError> errors =
      b.sys.family.empty() ? std::vector<FigureError>{}
                           : validate::expected_errors_for(b.sys.family, arch::ChipSearchPath::standard());
  for (const SweepPoint& p : sweep_points(a)) {
    if (p.set_arrivals) set_arrivals(w.requests, p.arrivals, a.seed);
    eo.max_concurrency = p.concurrency;
    ProgressBar bar("npulab bench: " + system + ": " + p.label);
    BenchRun r;
    const double comm0 = b.functional ? 0 : b.sys.perf->comm_ns_total();
    r.run = run_engine(eo, b.replicas(), w.requests, [&](int64_t done, int64_t total, double now_s) {
      bar.update(done, total, fmt::format("requests, {:.1f} s simulated", now_s));
    });
    bar.finish();
    r.info.system = system;
    r.info.deployment = b.describe();
    r.info.model = bm.config.name;
    r.info.dtype = dtype_name(bm.dtype);
    r.info.mode = b.functional ? "functional" : "timing-only";
    r.info.tp = b.functional ? 1 : b.sys.tp;
    r.info.dp = b.functional ? 1 : b.sys.dp;
    r.info.pp = b.functional ? 1 : b.sys.pp;
    r.info.virtual_engines = b.functional ? 1 : b.sys.virtual_engines;
    r.info.routing = routing_name(eo.routing);
    r.info.devices = b.sys.devices;
    r.info.device = b.sys.device;
    r.info.workload = w.describe;
    r.info.request_rate = p.arrivals.rate;
    r.info.burstiness = p.arrivals.burstiness;
    r.info.max_concurrency = p.concurrency;
    r.info.slo = a.slo;
    r.info.label = p.label;
    double busy_ns = 0;
    for (const StepRecord& st : r.run.steps) busy_ns += st.dur_s * 1e9;
    if (!b.functional && busy_ns > 0) r.info.comm_share = (b.sys.perf->comm_ns_total() - comm0) / busy_ns;
    r.info.expected_errors = errors;
    r.summary = summarize(r.run, a.slo);
    r.cost = serve::price_run(r.summary, r.run, cost_data);
    if (!a.compare) fmt::print("{}", summary_text(r));
    runs.push_back(std::move(r));
  }
}

int run(BenchArgs& a, const CostOptions& cost) {
  a.validate();
  const BenchModel bm = load_bench_model(a);
  BenchWorkload w = make_workload(a, bm);
  std::vector<BenchRun> runs;
  for (const std::string& system : a.systems) run_system(a, cost, bm, w, system, runs);
  if (a.compare) fmt::print("{}", comparison_table(runs, a.interactivity));
  else if (runs.size() > 1) fmt::print("\n{}", sweep_table(runs));
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

Registrar reg{"bench", "Serving benchmark: simulated chips side by side with GPUs (continuous batching, vLLM-style metrics, $/1M tokens)", setup};

}  // namespace
}  // namespace npulab::cli
