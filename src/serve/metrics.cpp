#include "serve/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "common/error.h"

namespace npulab::serve {

double percentile(const std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const double rank = p / 100.0 * double(v.size() - 1);
  const size_t lo = size_t(std::floor(rank)), hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - double(lo));
}

LatencyStats latency_stats(std::vector<double> ms) {
  LatencyStats s;
  s.n = ms.size();
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  s.mean = std::accumulate(ms.begin(), ms.end(), 0.0) / double(ms.size());
  double var = 0;
  for (double x : ms) var += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(var / double(ms.size()));  // population std, as numpy.std
  s.p50 = percentile(ms, 50);
  s.p90 = percentile(ms, 90);
  s.p99 = percentile(ms, 99);
  s.max = ms.back();
  return s;
}

void Slo::validate() const {
  for (auto [v, name] : {std::pair{ttft_ms, "--slo-ttft-ms"}, {tpot_ms, "--slo-tpot-ms"}, {e2e_ms, "--slo-e2e-ms"}})
    if (v < 0 || !std::isfinite(v)) fail("{} {}: expected a positive number of milliseconds", name, v);
}

RequestMetrics request_metrics(const Sequence& s) {
  RequestMetrics m;
  m.ok = s.state == SeqState::Finished;
  if (!m.ok) return m;
  m.ttft_ms = (s.first_token_s - s.send_s) * 1e3;
  m.e2e_ms = (s.finish_s - s.send_s) * 1e3;
  if (s.num_output > 1) m.tpot_ms = (s.finish_s - s.first_token_s) * 1e3 / double(s.num_output - 1);
  return m;
}

Summary summarize(const EngineRun& run, const Slo& slo) {
  Summary out;
  std::vector<double> ttft, tpot, e2e;
  for (const Sequence& s : run.seqs) {
    const RequestMetrics m = request_metrics(s);
    if (!m.ok) {
      ++out.failed;
      continue;
    }
    ++out.completed;
    out.input_tokens += s.prompt_len();
    out.output_tokens += s.num_output;
    ttft.push_back(m.ttft_ms);
    e2e.push_back(m.e2e_ms);
    if (s.num_output > 1) tpot.push_back(m.tpot_ms);
    if (slo.any()) {
      const bool good = (slo.ttft_ms <= 0 || m.ttft_ms <= slo.ttft_ms) && (slo.tpot_ms <= 0 || m.tpot_ms <= slo.tpot_ms) &&
                        (slo.e2e_ms <= 0 || m.e2e_ms <= slo.e2e_ms);
      out.good += good;
      if (good) {
        out.good_input_tokens += s.prompt_len();
        out.good_output_tokens += s.num_output;
      }
    }
  }
  out.duration_s = run.end_s;
  const double d = out.duration_s > 0 ? out.duration_s : 1.0;
  out.request_s = double(out.completed) / d;
  out.input_tok_s = double(out.input_tokens) / d;
  out.output_tok_s = double(out.output_tokens) / d;
  out.total_tok_s = double(out.input_tokens + out.output_tokens) / d;
  out.ttft = latency_stats(std::move(ttft));
  out.tpot = latency_stats(std::move(tpot));
  out.e2e = latency_stats(std::move(e2e));
  std::vector<double> itl(run.itl_s.begin(), run.itl_s.end());
  for (double& x : itl) x *= 1e3;
  out.itl = latency_stats(std::move(itl));
  out.has_goodput = slo.any();
  out.goodput_req_s = double(out.good) / d;

  out.steps = int64_t(run.steps.size());
  out.preemptions = run.preemptions;
  out.prefix_hit_rate = run.prefix.hit_rate();
  out.prefix_hit_tokens = run.prefix.hit_tokens;
  out.max_concurrent = run.max_in_flight;
  std::map<int64_t, int64_t> per_second;
  double kv_sum = 0, batch_sum = 0;
  for (const StepRecord& r : run.steps) {
    const double use = run.kv_blocks ? double(r.kv_blocks_used) / double(run.kv_blocks) : 0.0;
    kv_sum += use;
    out.kv_usage_max = std::max(out.kv_usage_max, use);
    batch_sum += r.seqs;
    out.batch_max = std::max<int64_t>(out.batch_max, r.seqs);
    per_second[int64_t(std::floor(r.start_s + r.dur_s))] += r.sampled;
  }
  if (!run.steps.empty()) {
    out.kv_usage_mean = kv_sum / double(run.steps.size());
    out.batch_mean = batch_sum / double(run.steps.size());
  }
  for (const auto& [sec, n] : per_second) out.max_output_tok_s = std::max(out.max_output_tok_s, double(n));
  return out;
}

}  // namespace npulab::serve
