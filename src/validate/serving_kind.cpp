// `serving`: a workload on a system through the serving engine, as `npulab bench` runs one -
// deploy::make_system_model (the simulated chip's performance table or the GPU model), the
// vLLM-style scheduler and engine in simulated time, the metrics of serve::summarize. How each
// published benchmark mode maps onto the engine's load is docs/VALIDATION.md, "Serving".
#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "common/error.h"
#include "deploy/system_model.h"
#include "llm/builtin_configs.h"
#include "llm/compile/model_layout.h"
#include "serve/engine.h"
#include "serve/metrics.h"
#include "serve/workload.h"
#include "validate/kinds.h"

namespace npulab::validate {
namespace {

using namespace npulab::serve;

struct ServingSetup {
  std::string system, model_name, mode, stack;
  llm::ModelConfig model;
  DType dtype = DType::BF16;
  int64_t tp = 0, requests = 0, concurrency = 0;
  int64_t dp = 1;  // a case states its layout: one tensor-parallel group unless it says dp
  Routing routing = Routing::LeastOutstanding;
  LengthDist isl, osl;
  double rate = 0, burstiness = 1, kv_fraction = 0.9;
  int64_t max_num_seqs = 128, max_num_batched_tokens = 0, max_model_len = 0, block_size = 128;
  bool prefix_caching = false;
  uint64_t seed = 0;
};

LengthDist length(CaseReader& r, const std::string& key) {
  const std::string s = r.string(key);
  try {
    LengthDist d = LengthDist::parse(s, r.where(key));
    (void)d.max();
    return d;
  } catch (const Error& e) {
    r.fail_at(key, e.what());
  }
}

// The engine's metrics by name (metrics.h; every latency in milliseconds).
std::map<std::string, double> metric_values(const Summary& s) {
  std::map<std::string, double> m;
  auto stats = [&](const char* name, const LatencyStats& l) {
    m[fmt::format("{}.mean", name)] = l.mean;
    m[fmt::format("{}.p50", name)] = l.p50;
    m[fmt::format("{}.p90", name)] = l.p90;
    m[fmt::format("{}.p99", name)] = l.p99;
  };
  stats("ttft_ms", s.ttft);
  stats("tpot_ms", s.tpot);
  stats("itl_ms", s.itl);
  stats("e2e_ms", s.e2e);
  m["output_tok_s"] = s.output_tok_s;
  m["total_tok_s"] = s.total_tok_s;
  m["request_s"] = s.request_s;
  return m;
}

Prediction run(const ServingSetup& s, const RunContext& ctx) {
  SyntheticSpec w;
  w.requests = s.requests;
  w.input = s.isl;
  w.output = s.osl;
  w.vocab = s.model.vocab_size;
  w.seed = s.seed;
  w.ignore_eos = true;  // timing-only: every request runs to its output length (vLLM's --ignore-eos)
  Arrivals arrivals;
  if (s.mode == "rate") {
    arrivals.rate = s.rate;
    arrivals.burstiness = s.burstiness;
  }
  arrivals.validate();
  const std::vector<Request> reqs = synthetic_workload(w, arrivals);
  int64_t longest = 0;
  for (const Request& r : reqs) longest = std::max(longest, r.prompt.size() + r.max_tokens);

  deploy::DeploySpec spec;
  spec.model = s.model;
  spec.weight_dtype = s.dtype;
  spec.tp = s.tp;
  spec.dp = s.dp;
  spec.max_context = s.max_model_len > 0 ? s.max_model_len : std::min(longest, s.model.max_seq_len);
  spec.max_batch = s.max_num_seqs;
  spec.max_batched_tokens = s.max_num_batched_tokens;
  spec.stack = s.stack;
  spec.cache_dir = ctx.cache_dir;
  spec.threads = ctx.threads;
  deploy::SystemModel sys = deploy::make_system_model(s.system, spec, ctx.path);
  if (ctx.status) ctx.status(fmt::format("{}: {}", s.system, sys.note));

  const KvMemory mem = sys.perf->memory();
  EngineOptions eo;
  SchedulerConfig& c = eo.scheduler;
  c.max_num_seqs = s.max_num_seqs;
  // The system's serving stack decides chunking and the default token budget, as in npulab bench.
  c.chunked_prefill = sys.chunked_prefill;
  c.max_num_batched_tokens = sys.max_num_batched_tokens;
  if (!c.chunked_prefill) c.max_num_batched_tokens = std::max(c.max_num_batched_tokens, mem.max_context);
  c.max_model_len = mem.max_context;
  c.block_size = s.block_size;
  c.prefix_caching = s.prefix_caching;
  c.eos_ids = s.model.eos_ids;
  c.num_blocks = int64_t(double(mem.capacity_bytes) * s.kv_fraction) / (mem.bytes_per_token * s.block_size) /
                 std::max<int64_t>(1, sys.virtual_engines);
  if (c.num_blocks < 1) fail("{}: the KV cache gets less than one block of {} positions", s.system, s.block_size);
  c.validate();
  eo.max_concurrency = s.mode == "offline" ? 0 : s.concurrency;
  eo.routing = s.routing;

  // One engine per data-parallel replica (and per virtual engine of a pipeline).
  const auto backends = deploy::engine_backends(sys);
  const EngineRun r = run_engine(eo, deploy::backend_ptrs(backends), reqs);
  const Summary sum = summarize(r, Slo{});
  if (sum.failed > 0) {
    std::string why;
    for (const Sequence& q : r.seqs)
      if (!q.error.empty()) {
        why = q.error;
        break;
      }
    fail("{} of {} requests failed on {} ({}): the setup does not fit the deployment", sum.failed, reqs.size(),
         s.system, why);
  }
  Prediction p;
  p.metrics = metric_values(sum);
  p.system_kind = sys.kind == "gpu-system" ? "gpu" : "npu";
  p.note = (sys.dp > 1 ? fmt::format("{} data-parallel replicas ({}), each ", sys.dp, routing_name(s.routing)) : "") +
           sys.perf->describe() + (sys.stack ? ", stack " + sys.stack->name : ", no stack");
  return p;
}

CaseRun parse(CaseReader& r, bool resolve) {
  ServingSetup s;
  s.system = r.string("system");
  s.model_name = r.string("model");
  const std::string dtype = r.string("dtype");
  s.tp = r.opt_integer("tp", 0, 1024).value_or(0);
  s.dp = r.opt_integer("dp", 1, 1024).value_or(1);
  if (const auto routing = r.opt_string("routing")) {
    try {
      s.routing = parse_routing(*routing, "routing");
    } catch (const Error& e) {
      r.fail_at("routing", e.what());
    }
  }
  s.isl = length(r, "isl");
  s.osl = length(r, "osl");
  s.requests = r.integer("requests", 1, 1'000'000);
  s.mode = r.choice("load", {"offline", "concurrency", "rate"});
  if (s.mode == "concurrency") s.concurrency = r.integer("concurrency", 1, 1'000'000);
  else s.concurrency = r.opt_integer("concurrency", 1, 1'000'000).value_or(0);
  if (s.mode == "rate") {
    s.rate = r.real("rate", 1e-6, 1e6);
    s.burstiness = r.opt_real("burstiness", 1e-3, 1e3).value_or(1);
  }
  s.max_num_seqs = r.opt_integer("max_num_seqs", 1, 65536).value_or(s.max_num_seqs);
  s.max_num_batched_tokens = r.opt_integer("max_num_batched_tokens", 1, 1 << 24).value_or(0);  // 0: the stack's
  s.stack = r.opt_string("stack").value_or("");  // "": the system kind's default stack (hw/stacks)
  s.max_model_len = r.opt_integer("max_model_len", 2, 1 << 24).value_or(0);
  s.block_size = r.opt_integer("block_size", 1, 65536).value_or(s.block_size);
  s.prefix_caching = r.opt_boolean("prefix_caching").value_or(false);
  s.kv_fraction = r.opt_real("kv_fraction", 1e-6, 1).value_or(s.kv_fraction);
  s.seed = uint64_t(r.opt_integer("seed", 0, int64_t(1) << 62).value_or(0));
  if (!resolve) return {};
  const auto cfg = llm::builtin_config(s.model_name);
  if (!cfg)
    r.fail_at("model", fmt::format("'{}' is not a built-in config (known: {})", s.model_name,
                                   fmt::join(llm::builtin_config_names(), ", ")));
  s.model = *cfg;
  try {
    s.dtype = llm::compile::parse_weight_dtype(dtype);
  } catch (const Error& e) {
    r.fail_at("dtype", e.what());
  }
  if (s.max_model_len > s.model.max_seq_len)
    r.fail_at("max_model_len", fmt::format("{} exceeds the {} tokens model '{}' supports", s.max_model_len,
                                           s.model.max_seq_len, s.model_name));
  return [s](const RunContext& ctx) { return run(s, ctx); };
}

}  // namespace

CaseKind serving_kind() {
  std::vector<std::string> m;
  for (const char* l : {"ttft_ms", "tpot_ms", "itl_ms", "e2e_ms"})
    for (const char* st : {"mean", "p50", "p90", "p99"}) m.push_back(fmt::format("{}.{}", l, st));
  for (const char* t : {"output_tok_s", "total_tok_s", "request_s"}) m.push_back(t);
  return {"serving", "a workload on a system through the serving engine (npulab bench's path)", m, parse};
}

}  // namespace npulab::validate
