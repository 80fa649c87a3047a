// What `npulab bench` writes about a run: the JSON record (npulab's schema plus the keys
// vLLM's `bench serve` writes, so tools that read vLLM results read these), per-request CSV
// rows, the terminal summary in the layout of vLLM's benchmark, and a one-line-per-run
// sweep table.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "serve/cost.h"
#include "serve/engine.h"
#include "serve/metrics.h"

namespace npulab::serve {

// How far to trust a figure: the median |error| of npulab validate's cases for this kind of
// system and metric (data/validation/expected_error.json).
struct FigureError {
  std::string metric;  // "throughput", "ttft", "tpot"
  double median_abs_pct = 0;
  int64_t cases = 0;
};

struct RunInfo {
  std::string system, model, dtype, mode;  // mode: "timing-only" or "functional"
  std::string deployment;                  // the performance model's own description
  std::string device;                      // the accelerator's hw name (trn2, h100-sxm)
  int64_t devices = 1;                     // how many the run occupies (and pays for)
  int64_t tp = 1;                          // of one replica
  int64_t pp = 1;                          // pipeline stages of one replica, each a TP group
  int64_t virtual_engines = 1;             // engines sharing a replica's pipeline
  int64_t dp = 1;                          // data-parallel replicas (devices counts them all)
  std::string routing = "least-outstanding";  // how requests were spread over the replicas
  std::string workload;                    // how requests were made (lengths, source)
  double request_rate = 0;                 // 0 = all at once ("inf")
  double burstiness = 1;
  int64_t max_concurrency = 0;             // 0 = none
  Slo slo;
  std::string label;                       // this run of a sweep ("qps=4", "concurrency=32")
  std::vector<FigureError> expected_errors;  // empty: no validation summary for this kind
  double comm_share = 0;  // cross-device communication's share of the engine's step time (0: none)
};

struct BenchRun {
  RunInfo info;
  EngineRun run;
  Summary summary;
  PricedRun cost;  // docs/COST.md
};

nlohmann::json run_json(const BenchRun& r);
void write_request_csv_header(std::ostream& out);
void write_request_csv(std::ostream& out, const BenchRun& r);
std::string summary_text(const BenchRun& r);
std::string sweep_table(const std::vector<BenchRun>& runs);

}  // namespace npulab::serve
