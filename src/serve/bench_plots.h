// The plots of `npulab bench --plot PREFIX` (SVG): PREFIX-latency_throughput.svg (TPOT and
// TTFT against output throughput across the runs of a sweep), PREFIX-ttft_cdf.svg and
// PREFIX-tpot_cdf.svg (one curve per run), PREFIX-batch.svg and PREFIX-kv.svg (sequences
// per step and KV-cache use over simulated time, one curve per run).
#pragma once
#include <string>
#include <vector>

#include "serve/report.h"

namespace npulab::serve {

// Writes the plots; returns the files written.
std::vector<std::string> write_bench_plots(const std::string& prefix, const std::vector<BenchRun>& runs);

}  // namespace npulab::serve
