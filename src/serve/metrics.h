// The numbers a serving benchmark reports, computed as vLLM's benchmark_serving and LLMPerf
// compute them: per request TTFT (first token - send), TPOT ((end - first token) /
// (output tokens - 1), requests of one token excluded), every inter-token gap (ITL) and the
// end-to-end latency; throughputs over the run's duration (0 to the last request's end);
// goodput = requests meeting every SLO given, per second. Percentiles interpolate linearly
// between order statistics (numpy's default). Plus what the engine saw: KV-cache use, batch
// sizes, preemptions and the prefix-cache hit rate.
#pragma once
#include <cstdint>
#include <vector>

#include "serve/engine.h"

namespace npulab::serve {

struct LatencyStats {
  size_t n = 0;
  double mean = 0, std = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;  // milliseconds
};
LatencyStats latency_stats(std::vector<double> ms);
double percentile(const std::vector<double>& sorted, double p);  // p in [0, 100]

struct Slo {
  double ttft_ms = 0, tpot_ms = 0, e2e_ms = 0;  // 0 = not given
  bool any() const { return ttft_ms > 0 || tpot_ms > 0 || e2e_ms > 0; }
  void validate() const;
};

struct Summary {
  int64_t completed = 0, failed = 0;
  double duration_s = 0;
  int64_t input_tokens = 0, output_tokens = 0;  // of completed requests
  double request_s = 0, input_tok_s = 0, output_tok_s = 0, total_tok_s = 0;
  LatencyStats ttft, tpot, itl, e2e;
  bool has_goodput = false;
  double goodput_req_s = 0;
  int64_t good = 0;
  int64_t good_input_tokens = 0, good_output_tokens = 0;  // of the requests meeting every SLO
  // Engine side.
  int64_t steps = 0, preemptions = 0;
  double prefix_hit_rate = 0;
  int64_t prefix_hit_tokens = 0;
  double kv_usage_mean = 0, kv_usage_max = 0;      // fraction of blocks in use, per step
  double batch_mean = 0;                           // sequences per step
  int64_t batch_max = 0;
  double max_output_tok_s = 0;                     // most output tokens in one second of the run
  int64_t max_concurrent = 0;                      // requests in flight at most
};

Summary summarize(const EngineRun& run, const Slo& slo);

// Per request, in request order (the CSV and the JSON lists).
struct RequestMetrics {
  bool ok = false;
  double ttft_ms = 0, tpot_ms = 0, e2e_ms = 0;
};
RequestMetrics request_metrics(const Sequence& s);

}  // namespace npulab::serve
