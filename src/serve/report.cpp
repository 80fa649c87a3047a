#include "serve/report.h"

#include "serve/cost_report.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <ctime>

namespace npulab::serve {

namespace {

nlohmann::json stats_json(const LatencyStats& s) {
  return {{"mean", s.mean}, {"p50", s.p50}, {"p90", s.p90}, {"p99", s.p99}, {"std", s.std}, {"max", s.max}, {"n", s.n}};
}

// vLLM's per-metric keys: mean_/median_/std_/p90_/p99_<name>_ms.
void vllm_metric(nlohmann::json& j, const std::string& name, const LatencyStats& s) {
  j["mean_" + name + "_ms"] = s.mean;
  j["median_" + name + "_ms"] = s.p50;
  j["std_" + name + "_ms"] = s.std;
  j["p90_" + name + "_ms"] = s.p90;
  j["p99_" + name + "_ms"] = s.p99;
}

std::string today() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

}  // namespace

nlohmann::json run_json(const BenchRun& r) {
  const RunInfo& i = r.info;
  const Summary& s = r.summary;
  nlohmann::json j;
  j["label"] = i.label;
  j["system"] = i.system;
  j["deployment"] = i.deployment;
  j["device"] = i.device;
  j["devices"] = i.devices;
  j["model"] = i.model;
  nlohmann::json ee = nlohmann::json::object();
  for (const FigureError& e : i.expected_errors)
    ee[e.metric] = {{"median_abs_error_pct", e.median_abs_pct}, {"cases", e.cases}};
  j["expected_error"] = ee;
  j["communication_share"] = i.comm_share;
  j["dtype"] = i.dtype;
  j["tp"] = i.tp;
  j["pp"] = i.pp;  // pipeline stages of a replica, each tp wide
  j["virtual_engines"] = i.virtual_engines;
  j["dp"] = i.dp;  // data-parallel replicas of the tp-wide deployment (devices = dp x a replica's)
  j["routing"] = i.routing;
  j["mode"] = i.mode;
  j["workload"] = i.workload;
  j["requests"] = r.run.seqs.size();
  j["duration_s"] = s.duration_s;
  j["request_s"] = s.request_s;
  j["input_tok_s"] = s.input_tok_s;
  j["output_tok_s"] = s.output_tok_s;
  j["total_tok_s"] = s.total_tok_s;
  j["ttft_ms"] = stats_json(s.ttft);
  j["tpot_ms"] = stats_json(s.tpot);
  j["itl_ms"] = stats_json(s.itl);
  j["e2e_ms"] = stats_json(s.e2e);
  if (s.has_goodput) {
    j["goodput_req_s"] = s.goodput_req_s;
    j["slo_ms"] = {{"ttft", i.slo.ttft_ms}, {"tpot", i.slo.tpot_ms}, {"e2e", i.slo.e2e_ms}};
  }
  j["engine"] = {{"steps", s.steps},
                 {"preemptions", s.preemptions},
                 {"prefix_cache_hit_rate", s.prefix_hit_rate},
                 {"prefix_cache_hit_tokens", s.prefix_hit_tokens},
                 {"kv_cache_blocks", r.run.kv_blocks},  // of one replica
                 {"replicas", r.run.replicas},
                 {"kv_block_size", r.run.block_size},
                 {"kv_cache_usage_mean", s.kv_usage_mean},
                 {"kv_cache_usage_max", s.kv_usage_max},
                 {"batch_size_mean", s.batch_mean},
                 {"batch_size_max", s.batch_max}};
  add_cost_json(j, r.cost);
  nlohmann::json errors = nlohmann::json::array();
  std::vector<int64_t> in_lens, out_lens;
  std::vector<double> ttfts;
  std::vector<std::string> err_text;
  for (const Sequence& q : r.run.seqs) {
    in_lens.push_back(q.prompt_len());
    out_lens.push_back(q.num_output);
    const RequestMetrics m = request_metrics(q);
    ttfts.push_back(m.ok ? m.ttft_ms / 1e3 : 0.0);
    err_text.push_back(q.error);
    if (!q.error.empty()) errors.push_back({{"id", q.req->id}, {"error", q.error}});
  }
  j["failures"] = errors;
  // The keys of vLLM's `bench serve` result JSON (times in ms unless named _s, ttfts in s).
  j["backend"] = "npulab";
  j["date"] = today();
  j["model_id"] = i.model;
  j["num_prompts"] = r.run.seqs.size();
  j["request_rate"] = i.request_rate > 0 && std::isfinite(i.request_rate) ? nlohmann::json(i.request_rate)
                                                                           : nlohmann::json("inf");
  j["burstiness"] = i.burstiness;
  j["max_concurrency"] = i.max_concurrency > 0 ? nlohmann::json(i.max_concurrency) : nlohmann::json(nullptr);
  j["duration"] = s.duration_s;
  j["completed"] = s.completed;
  j["failed"] = s.failed;
  j["total_input_tokens"] = s.input_tokens;
  j["total_output_tokens"] = s.output_tokens;
  j["request_throughput"] = s.request_s;
  j["request_goodput"] = s.has_goodput ? nlohmann::json(s.goodput_req_s) : nlohmann::json(nullptr);
  j["output_throughput"] = s.output_tok_s;
  j["total_token_throughput"] = s.total_tok_s;
  j["max_output_tokens_per_s"] = s.max_output_tok_s;
  j["max_concurrent_requests"] = s.max_concurrent;
  j["input_lens"] = in_lens;
  j["output_lens"] = out_lens;
  j["ttfts"] = ttfts;
  j["errors"] = err_text;
  vllm_metric(j, "ttft", s.ttft);
  vllm_metric(j, "tpot", s.tpot);
  vllm_metric(j, "itl", s.itl);
  vllm_metric(j, "e2el", s.e2e);
  return j;
}

void write_request_csv_header(std::ostream& out) {
  out << "run,id,status,reason,send_s,first_token_s,finish_s,input_len,output_len,cached_tokens,preemptions,"
         "ttft_ms,tpot_ms,e2e_ms,error\n";
}

void write_request_csv(std::ostream& out, const BenchRun& r) {
  for (const Sequence& q : r.run.seqs) {
    const RequestMetrics m = request_metrics(q);
    std::string err = q.error;
    for (char& c : err)
      if (c == '"') c = '\'';
    out << fmt::format("{},{},{},{},{:.9f},{:.9f},{:.9f},{},{},{},{},{:.6f},{:.6f},{:.6f},\"{}\"\n", r.info.label,
                       q.req->id, m.ok ? "ok" : "failed", finish_reason_name(q.reason), q.send_s,
                       m.ok ? q.first_token_s : 0.0, q.finish_s, q.prompt_len(), q.num_output, q.cached_tokens,
                       q.preemptions, m.ttft_ms, m.tpot_ms, m.e2e_ms, err);
  }
}

std::string summary_text(const BenchRun& r) {
  const Summary& s = r.summary;
  const RunInfo& i = r.info;
  std::string o;
  auto line = [&](const std::string& k, const std::string& v) { o += fmt::format("{:<40} {}\n", k, v); };
  auto num = [](double v) { return fmt::format("{:.2f}", v); };
  o += fmt::format("{:=^60}\n", " npulab bench: " + (i.label.empty() ? std::string("run") : i.label) + " ");
  line("System:", fmt::format("{} ({}, TP{}{}{}, {})", i.system, i.dtype, i.tp,
                              i.pp > 1 ? fmt::format(" x PP{} ({} virtual engine{})", i.pp, i.virtual_engines,
                                                     i.virtual_engines == 1 ? "" : "s")
                                       : "",
                              i.dp > 1 ? fmt::format(" x DP{} ({})", i.dp, i.routing) : "", i.mode));
  if (!i.deployment.empty()) line("Deployment:", i.deployment);
  line("Model:", i.model);
  line("Workload:", i.workload);
  line("Traffic request rate:",
       i.request_rate > 0 && std::isfinite(i.request_rate) ? fmt::format("{:g}", i.request_rate) : "inf");
  line("Burstiness factor:", fmt::format("{:g}{}", i.burstiness, i.burstiness == 1 ? " (Poisson process)" : ""));
  line("Maximum request concurrency:", i.max_concurrency > 0 ? fmt::format("{}", i.max_concurrency) : "none");
  line("Successful requests:", fmt::format("{}", s.completed));
  line("Failed requests:", fmt::format("{}", s.failed));
  line("Benchmark duration (s, simulated):", num(s.duration_s));
  line("Total input tokens:", fmt::format("{}", s.input_tokens));
  line("Total generated tokens:", fmt::format("{}", s.output_tokens));
  line("Request throughput (req/s):", num(s.request_s));
  if (s.has_goodput) line("Request goodput (req/s):", num(s.goodput_req_s));
  line("Input token throughput (tok/s):", num(s.input_tok_s));
  line("Output token throughput (tok/s):", num(s.output_tok_s));
  line("Total Token throughput (tok/s):", num(s.total_tok_s));
  auto block = [&](const char* title, const char* name, const LatencyStats& st) {
    o += fmt::format("{:-^60}\n", std::string(" ") + title + " ");
    line(fmt::format("Mean {} (ms):", name), num(st.mean));
    line(fmt::format("Median {} (ms):", name), num(st.p50));
    line(fmt::format("P90 {} (ms):", name), num(st.p90));
    line(fmt::format("P99 {} (ms):", name), num(st.p99));
  };
  block("Time to First Token", "TTFT", s.ttft);
  block("Time per Output Token (excl. 1st token)", "TPOT", s.tpot);
  block("Inter-token Latency", "ITL", s.itl);
  block("End-to-end Latency", "E2EL", s.e2e);
  o += fmt::format("{:-^60}\n", " Engine ");
  line("Steps:", fmt::format("{}", s.steps));
  line("Batch size (mean / max):", fmt::format("{:.1f} / {}", s.batch_mean, s.batch_max));
  line("KV cache usage (mean / max):", fmt::format("{:.1f}% / {:.1f}% of {} blocks x {}{}", 100 * s.kv_usage_mean,
                                                   100 * s.kv_usage_max, r.run.kv_blocks, r.run.block_size,
                                                   r.run.replicas > 1 ? " per engine" : ""));
  line("Preemptions:", fmt::format("{}", s.preemptions));
  line("Prefix cache hit rate:", fmt::format("{:.1f}%", 100 * s.prefix_hit_rate));
  o += cost_text(r.cost);
  o += std::string(60, '=') + "\n";
  for (const Sequence& q : r.run.seqs)
    if (!q.error.empty()) {
      o += fmt::format("failed: request {}: {}\n", q.req->id, q.error);
      if (s.failed > 5) {
        o += fmt::format("        ({} failed in all; every reason is in --json and --csv)\n", s.failed);
        break;
      }
    }
  return o;
}

std::string sweep_table(const std::vector<BenchRun>& runs) {
  std::string o = fmt::format("{:<18} {:>6} {:>9} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}\n", "run", "done",
                              "req/s", "out tok/s", "TTFT p50", "TTFT p99", "TPOT p50", "TPOT p99", "E2E p50", "$/1M out");
  for (const BenchRun& r : runs) {
    const Summary& s = r.summary;
    const std::string usd = r.cost.report ? fmt::format("{:.4f}", r.cost.report->usd_per_1m_output_tokens) : "-";
    o += fmt::format("{:<18} {:>6} {:>9.3f} {:>10.1f} {:>10.1f} {:>10.1f} {:>10.2f} {:>10.2f} {:>10.1f} {:>10}\n",
                     r.info.label, s.completed, s.request_s, s.output_tok_s, s.ttft.p50, s.ttft.p99, s.tpot.p50,
                     s.tpot.p99, s.e2e.p50, usd);
  }
  o += "(latencies in ms of simulated time; $/1M out: output tokens";
  if (!runs.empty() && runs.front().cost.report) o += ", " + runs.front().cost.basis + " price";
  o += ")\n";
  return o;
}

}  // namespace npulab::serve
