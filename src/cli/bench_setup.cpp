#include "cli/bench_setup.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "cli/model_tokenizer.h"
#include "cli/ranges.h"
#include "common/error.h"
#include "llm/config_source.h"
#include "llm/compile/model_layout.h"
#include "serve/dataset.h"
#include "serve/trace.h"

namespace npulab::cli {

using namespace npulab::serve;

void add_bench_options(CLI::App& app, BenchArgs& a) {
  app.add_option("--model", a.model, "built-in config name (timing-only) or checkpoint path (default llama-3.1-8b)");
  app.add_option("--system,--hw", a.systems,
                 "system to run on, may repeat or list (trn2,h100): a chip (hw/<name>.toml), a multi-chip system "
                 "(hw/systems/trn2.48xlarge.toml, ...) or a GPU system (hw/systems/8xh100.toml, ...); default trn2 and "
                 "h100 side by side")
      ->delimiter(',');
  app.add_option("--dtype", a.dtype, "weight dtype: fp32, bf16 or fp8 (default bf16; fp32 with --functional)");
  app.add_option("--tp", a.tp,
                 "tensor parallelism: logical NeuronCores of the chip or GPUs of the system (default: all)")
      ->check(int_range(0, 1024));
  app.add_option("--dp", a.dp,
                 "data-parallel replicas of the --tp deployment, each its own engine (default 0: as many as the "
                 "system holds, which is 1 without --tp)")
      ->check(int_range(0, 1024));
  app.add_option("--routing", a.routing,
                 "how requests are spread over --dp replicas: least-outstanding (default) or round-robin")
      ->check(CLI::IsMember({"least-outstanding", "round-robin"}));
  app.add_option("--pp", a.pp,
                 "pipeline stages of consecutive layers on multi-chip systems, each stage a --tp group of chips "
                 "(default 1)")
      ->check(int_range(1, 1024));
  app.add_option("--virtual-engines", a.virtual_engines,
                 "--pp: engines sharing the pipeline, each its own scheduler and share of the KV cache, so stages "
                 "work on several batches at once (default: the stages, as vLLM; 1 = one batch at a time)")
      ->check(int_range(1, 1024));
  app.add_option("--micro-batches", a.micro_batches,
                 "--pp: micro-batches a step's sequences are split into (default 1 with several virtual engines, "
                 "else the stages)")
      ->check(int_range(1, 65536));
  app.add_flag("--summaries", a.summaries, "print each run's vLLM-style summary also when comparing systems");
  app.add_option("--interactivity", a.interactivity,
                 "comparing systems: read throughput per device and $ per 1M tokens at this many output tokens/s "
                 "per user off each system's sweep (0 = off)")
      ->capture_default_str()
      ->check(real_range(0, 1e6));
  auto* preset = app.add_option("--preset", a.preset, "input/output lengths: 1k/1k, 1k/8k, 8k/1k, guidellm-1500/250");
  auto* isl = app.add_option("--isl", a.isl,
                             "input lengths: N, uniform:LO:HI, normal:MEAN:STD or lognormal:MEDIAN:SIGMA (default 1024)");
  auto* osl = app.add_option("--osl", a.osl, "output lengths, same forms (default 128)");
  auto* dataset = app.add_option("--dataset", a.dataset, "ShareGPT-style JSONL/JSON of prompts (tokenized)");
  auto* trace = app.add_option("--trace", a.trace, "trace CSV/JSONL: npulab, Azure, BurstGPT or Mooncake layout");
  preset->excludes(isl)->excludes(osl)->excludes(dataset)->excludes(trace);
  dataset->excludes(trace)->excludes(isl);
  trace->excludes(isl)->excludes(osl);
  app.add_option("--tokenizer", a.tokenizer, "tokenizer file for --dataset (default: the model's)");
  app.add_option("--output-len", a.output_len, "--dataset: every request's output length (0 = from the dataset)")
      ->check(int_range(0, kMaxTokens));
  app.add_option("--requests,--num-prompts", a.requests,
                 "requests (default 100 synthetic; all of a trace or dataset)")
      ->check(int_range(1, 10'000'000));
  app.add_option("--prefix-len", a.prefix_len, "synthetic: prompt tokens shared by every request")
      ->check(int_range(0, kMaxTokens));
  auto* qps = app.add_option("--qps,--request-rate", a.qps, "request rate(s), req/s; a list sweeps (1,2,4)")
                  ->delimiter(',')
                  ->check(real_range(1e-9, 1e9));
  auto* conc = app.add_option("--concurrency,--max-concurrency", a.concurrency,
                              "requests in flight at most; a list sweeps (1,8,32)")
                   ->delimiter(',')
                   ->check(int_range(1, 10'000'000));
  app.add_option("--burstiness", a.burstiness, "gamma shape of the request gaps (1 = Poisson)")->check(real_range(1e-3, 1e3));
  app.add_flag("--offline", a.offline, "every request at time 0, no concurrency limit")->excludes(qps)->excludes(conc);
  app.add_option("--time-scale", a.time_scale, "--trace: multiply the gaps (0.5 = twice as fast)")
      ->check(real_range(1e-6, 1e6));
  app.add_option("--slo-ttft-ms", a.slo.ttft_ms, "goodput SLO on TTFT")->check(real_range(1e-6, 1e9));
  app.add_option("--slo-tpot-ms", a.slo.tpot_ms, "goodput SLO on TPOT")->check(real_range(1e-6, 1e9));
  app.add_option("--slo-e2e-ms", a.slo.e2e_ms, "goodput SLO on end-to-end latency")->check(real_range(1e-6, 1e9));
  app.add_flag("--functional", a.functional, "run every step's programs with the real weights (real tokens)");
  app.add_flag("--stop-on-eos", a.stop_on_eos,
               "--functional: a request ends at the model's EOS (default: exactly its output length, as vLLM's "
               "--ignore-eos)");
  app.add_option("--temperature", a.temperature, "--functional: sampling temperature (0 = greedy)")
      ->check(real_range(0, 1e6));
  app.add_option("--seed", a.seed, "workload and sampling seed");
  app.add_option("--max-num-seqs", a.max_num_seqs, "running sequences at most")->check(int_range(1, 65536));
  app.add_option("--max-num-batched-tokens", a.max_num_batched_tokens,
                 "token budget per step (default: the serving stack's, e.g. 8192 for vllm-gpu; 512 without one)")
      ->check(int_range(1, kMaxTokens));
  app.add_option("--stack", a.stack,
                 "serving stack (hw/stacks/<name>.toml: neuron-vllm, vllm-gpu) for every system; default each "
                 "kind's own (chips: neuron-vllm, GPUs: vllm-gpu); none = the hardware alone");
  app.add_option("--block-size", a.block_size, "KV cache block, positions")->check(int_range(1, 65536));
  app.add_option("--max-model-len", a.max_model_len, "longest sequence (default: the longest request)")
      ->check(int_range(2, kMaxTokens));
  app.add_option("--kv-fraction", a.kv_fraction, "share of the memory left after the weights used for the KV cache")
      ->check(real_range(1e-6, 1));
  app.add_flag("--no-prefix-caching", a.no_prefix_caching, "do not share cached prompt blocks between requests");
  app.add_flag("--no-chunked-prefill", a.no_chunked_prefill, "a prompt waits until it fits one step's budget");
  app.add_option("--cache-dir", a.cache_dir, "performance-table cache (default $NPULAB_CACHE_DIR, ~/.cache/npulab)");
  app.add_flag("--no-cache", a.no_cache, "build the performance table without reading or writing the cache");
  app.add_option("--threads", a.threads, "host threads building the table (default: all)")->check(int_range(0, 1024));
  app.add_option("--json", a.json, "write the runs' metrics (npulab's and vLLM's keys) as JSON");
  app.add_option("--csv", a.csv, "write one CSV row per request");
  app.add_option("--plot", a.plot, "write SVG plots PREFIX-*.svg");
  app.add_option("--step-trace", a.step_trace, "write a Chrome trace of the scheduler's steps");
  app.add_option("--dump-outputs", a.dump_outputs, "--functional: one JSON line per request (prompt and output ids)");
}

void BenchArgs::validate() {
  if (systems.empty()) systems = functional ? std::vector<std::string>{"trn2"} : std::vector<std::string>{"trn2", "h100"};
  compare = systems.size() > 1 && !summaries;
  // The comparison's default traffic: a concurrency sweep, so each system draws its
  // throughput-interactivity curve (InferenceMAX sweeps 4 to 64; 128 is the engine's
  // default max-num-seqs), with 4 requests per slot at the widest point.
  if (systems.size() > 1 && qps.empty() && concurrency.empty() && !offline && trace.empty()) {
    concurrency = {1, 4, 16, 64, 128};
    if (requests == 0) requests = 512;
  }
  if (functional && systems.size() > 1) fail("--functional runs on one simulated chip: give one --system");
  if (qps.size() > 1 && concurrency.size() > 1)
    fail("--qps and --concurrency both list several values: sweep one of them");
  if (!dump_outputs.empty() && !functional)
    fail("--dump-outputs needs --functional (timing-only runs produce no token ids)");
  if (functional && tp > 1) fail("--functional runs on one NeuronCore: --tp 1");
  if (functional && pp > 1) fail("--functional runs on one simulated chip: --pp 1 (pipelines are timing-only)");
  if (functional && dp > 1) fail("--functional runs on one simulated chip: --dp 1 (replicas are timing-only)");
  if (temperature > 0 && !functional) fail("--temperature needs --functional (timing-only runs sample nothing)");
  if (stop_on_eos && !functional) fail("--stop-on-eos needs --functional (timing-only runs sample no EOS)");
  slo.validate();
}

BenchModel load_bench_model(const BenchArgs& a) {
  BenchModel m;
  if (a.functional) m.chip = arch::load_chip_by_name(a.systems.at(0));
  if (auto wc = llm::weightless_config(a.model)) {
    if (a.functional)
      fail("--model '{}' is a model config without weights: --functional needs a checkpoint path", a.model);
    m.config = *wc;
  } else {
    m.model = llm::load_model(a.model);
    m.config = m.model->config;
  }
  m.dtype = llm::compile::parse_weight_dtype(a.dtype.empty() ? (a.functional ? "fp32" : "bf16") : a.dtype);
  return m;
}

namespace {

int64_t fixed_or_max(const std::string& spec, const char* option) { return LengthDist::parse(spec, option).max(); }

}  // namespace

BenchWorkload make_workload(const BenchArgs& a, const BenchModel& m) {
  BenchWorkload w;
  // Timing-only runs sample no ids, so never an EOS; functional ones stop at one if asked.
  const bool ignore_eos = !(a.functional && a.stop_on_eos);
  const int64_t vocab = m.config.vocab_size;
  if (!a.trace.empty()) {
    const Trace t = read_trace(a.trace);
    w.requests = trace_requests(t, vocab, a.seed, a.requests, a.time_scale, ignore_eos);
    w.describe = fmt::format("trace {} ({} layout{})", a.trace, t.layout,
                             t.skipped ? fmt::format(", {} rows skipped", t.skipped) : "");
  } else if (!a.dataset.empty()) {
    const auto tok = model_tokenizer(a.model, m.model ? &*m.model : nullptr, a.tokenizer, "bench");
    if (!tok) fail("--dataset needs a tokenizer: model '{}' has none, pass --tokenizer FILE", a.model);
    if (int64_t(tok->vocab_size()) != vocab)
      fail("tokenizer has {} tokens but model '{}' has a vocabulary of {}: they do not belong together",
           tok->vocab_size(), m.config.name, vocab);
    w.requests = dataset_requests(read_dataset(a.dataset), *tok, fixed_or_max(a.osl, "--osl"), a.output_len,
                                  a.requests, a.seed, ignore_eos);
    w.describe = fmt::format("dataset {}", a.dataset);
  } else {
    SyntheticSpec s;
    s.requests = a.requests > 0 ? a.requests : 100;
    if (!a.preset.empty()) {
      const Preset& p = find_preset(a.preset);
      s.input = p.input;
      s.output = p.output;
    } else {
      s.input = LengthDist::parse(a.isl, "--isl");
      s.output = LengthDist::parse(a.osl, "--osl");
    }
    s.shared_prefix = a.prefix_len;
    s.vocab = vocab;
    s.seed = a.seed;
    s.ignore_eos = ignore_eos;
    w.requests = synthetic_workload(s, Arrivals{});
    w.describe = fmt::format("{}input {}, output {}{}", a.preset.empty() ? "" : a.preset + ": ", s.input.describe(),
                             s.output.describe(),
                             a.prefix_len ? fmt::format(", {} shared prefix tokens", a.prefix_len) : "");
  }
  if (w.requests.empty()) fail("the workload has no requests");
  int64_t longest = 0;
  for (const Request& r : w.requests) longest = std::max(longest, r.prompt.size() + r.max_tokens);
  w.max_context = a.max_model_len > 0 ? a.max_model_len : std::min(longest, m.config.max_seq_len);
  if (w.max_context > m.config.max_seq_len)
    fail("--max-model-len {} exceeds the {} tokens model '{}' supports", w.max_context, m.config.max_seq_len,
         m.config.name);
  return w;
}

std::vector<SweepPoint> sweep_points(const BenchArgs& a) {
  std::vector<SweepPoint> pts;
  const bool trace_times = !a.trace.empty() && a.qps.empty();
  auto point = [&](double rate, int64_t conc, std::string label) {
    SweepPoint p;
    p.arrivals.rate = rate;
    p.arrivals.burstiness = a.burstiness;
    p.arrivals.validate();
    p.set_arrivals = !trace_times;
    p.concurrency = conc;
    p.label = std::move(label);
    pts.push_back(p);
  };
  const int64_t one_conc = a.concurrency.size() == 1 ? a.concurrency[0] : 0;
  const double one_rate = a.qps.size() == 1 ? a.qps[0] : 0;
  if (a.offline) point(0, 0, "offline");
  else if (a.concurrency.size() > 1 || (a.qps.empty() && one_conc > 0))
    for (int64_t c : a.concurrency) point(one_rate, c, fmt::format("concurrency={}", c));
  else if (!a.qps.empty())
    for (double r : a.qps)
      point(r, one_conc, fmt::format("qps={:g}{}", r, one_conc ? fmt::format(",conc={}", one_conc) : ""));
  else point(0, 0, trace_times ? "trace" : "qps=inf");
  return pts;
}

}  // namespace npulab::cli
