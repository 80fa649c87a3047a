// `npulab bench`: a serving benchmark on the simulated chip, as vLLM's `bench serve` runs one
// against a server - a workload (synthetic lengths or a preset, a trace, or a dataset of
// real prompts), clients at a request rate or a fixed concurrency (a list of either is a
// sweep, one run per value), the serving engine (continuous batching, paged KV cache,
// prefix caching) stepping in simulated time, and vLLM's metrics. Timing-only by default:
// step times from the deployment's performance table (built by simulating its step
// programs, cached on disk); --functional runs every step's programs with the real weights
// and samples real tokens. docs/SERVING.md. Under `mpirun -n R` the sweep's runs (each system
// x point) are spread over the ranks in contiguous blocks and rank 0 writes exactly what one
// process writes (docs/SYSTEMS.md, "One run over MPI ranks").
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
#include "dist/partition.h"
#include "validate/expected_error.h"
#include "common/error.h"
#include "serve/bench_plots.h"
#include "serve/bench_run_codec.h"
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

Backends make_timing(const BenchArgs& a, const BenchModel& bm, const std::string& system, int64_t max_context,
                     bool notes) {
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
  if (notes) fmt::print(stderr, "npulab bench: {}: {}\n", system, b.sys.note);
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

// What one rank runs of one system's sweep: points [first, last); `notes`: this rank says
// what it set up (the one holding the system's first point, so each note appears once);
// `print`: each run's summary as it ends (one process; over ranks rank 0 prints them after
// gathering, in the same order).
struct SystemPart {
  const std::string& system;
  size_t first = 0, last = 0;
  bool notes = true, print = true;
};

// The sweep on one system, appended to `runs`.
void run_system(const BenchArgs& a, const CostOptions& cost, const BenchModel& bm, BenchWorkload& w,
                const std::vector<SweepPoint>& points, const SystemPart& part, std::vector<BenchRun>& runs) {
  const std::string& system = part.system;
  Backends b = a.functional ? make_functional(a, bm, system, w.max_context)
                            : make_timing(a, bm, system, w.max_context, part.notes);
  // The run pays for the devices its deployment occupies (docs/COST.md, "A run's share").
  const serve::RunCostData cost_data =
      resolve_run_cost({b.sys.device, b.sys.devices}, cost, arch::ChipSearchPath::standard());
  const KvMemory mem = b.memory();
  EngineOptions eo;
  eo.scheduler = scheduler_config(a, bm, b, mem);
  eo.routing = parse_routing(a.routing, "--routing");
  if (part.notes)
    fmt::print(stderr,
               "npulab bench: {}; {} requests ({}); KV cache{} {} blocks x {} positions ({:.2f} GiB), up to {} "
               "sequences, {} tokens per step{}\n",
               b.describe(), w.requests.size(), w.describe,
               b.sys.dp > 1 || b.sys.virtual_engines > 1 ? " per engine" : "", eo.scheduler.num_blocks,
               eo.scheduler.block_size,
               double(eo.scheduler.num_blocks * eo.scheduler.block_size * mem.bytes_per_token) / 1073741824.0,
               eo.scheduler.max_num_seqs, eo.scheduler.max_num_batched_tokens,
               eo.scheduler.prefix_caching ? ", prefix caching" : "");
  const std::vector<FigureError> errors =
      b.sys.family.empty() ? std::vector<FigureError>{}
                           : validate::expected_errors_for(b.sys.family, arch::ChipSearchPath::standard());
  for (size_t k = part.first; k < part.last; ++k) {
    const SweepPoint& p = points[k];
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
    if (!a.compare && part.print) fmt::print("{}", summary_text(r));
    runs.push_back(std::move(r));
  }
}

// Every rank's runs on rank 0, in rank order (= sweep order: the blocks are contiguous);
// the other ranks get none.
std::vector<BenchRun> gather_runs(dist::Comm& comm, const std::vector<BenchRun>& mine,
                                  const std::vector<Request>& requests) {
  dist::ByteWriter w;
  w.put(uint64_t(mine.size()));
  for (const BenchRun& r : mine) encode_run(w, r);
  std::vector<BenchRun> all;
  for (const dist::Bytes& b : comm.gather(w.take(), 0)) {
    dist::ByteReader r(b);
    const uint64_t n = r.get<uint64_t>();
    for (uint64_t k = 0; k < n; ++k) all.push_back(decode_run(r, requests));
    if (!r.done()) fail("internal: a rank's message of {} bytes holds more than its {} runs", b.size(), n);
  }
  return all;
}

int run(BenchArgs& a, const CostOptions& cost, dist::Comm& comm) {
  a.validate();
  const BenchModel bm = load_bench_model(a);
  BenchWorkload w = make_workload(a, bm);
  // The sweep's runs, system-major; each rank takes a contiguous block of them, so a
  // system's performance table is built by as few ranks as the split allows.
  const std::vector<SweepPoint> points = sweep_points(a);
  const uint64_t units = a.systems.size() * points.size();
  if (uint64_t(comm.size()) > units)
    fail("mpirun -n {}: the sweep has {} runs ({} systems x {} points), so at most {} ranks have one each", comm.size(),
         units, a.systems.size(), points.size(), units);
  const dist::Block mine = dist::block_of(units, comm.size(), comm.rank());
  const bool one = comm.size() == 1;
  std::vector<BenchRun> runs;
  for (size_t s = 0; s < a.systems.size(); ++s) {
    const uint64_t at = s * points.size();
    const uint64_t first = std::max(mine.begin, at), last = std::min(mine.end, at + points.size());
    if (first < last)
      run_system(a, cost, bm, w, points, {a.systems[s], first - at, last - at, mine.contains(at), one}, runs);
  }
  if (!one) {
    runs = gather_runs(comm, runs, w.requests);
    if (!comm.root()) return 0;
    if (!a.compare)
      for (const BenchRun& r : runs) fmt::print("{}", summary_text(r));
  }
  if (a.compare) fmt::print("{}", comparison_table(runs, a.interactivity));
  else if (runs.size() > 1) fmt::print("\n{}", sweep_table(runs));
  write_outputs(a, runs);
  return 0;
}

Run setup(CLI::App& app, dist::Comm& comm) {
  auto a = std::make_shared<BenchArgs>();
  auto cost = std::make_shared<CostOptions>();
  add_bench_options(app, *a);
  add_cost_options(app, *cost);
  return [a, cost, &comm]() { return run(*a, *cost, comm); };
}

Registrar reg{"bench", "Serving benchmark: simulated chips side by side with GPUs (continuous batching, vLLM-style metrics, $/1M tokens)", setup};

}  // namespace
}  // namespace npulab::cli
