// The side-by-side table of `npulab bench` over several systems (the seed's headline
// table): for each system and sweep point its throughput, $ per 1M tokens (output only and
// input plus output, at the stated price basis), mean and p99 TTFT and TPOT, and joules per
// output token, followed by every assumption the numbers rest on (model, dtype, workload,
// SLOs, each system's deployment, price and power source); with SLOs, $ per 1M goodput
// tokens (output tokens of the requests that met every SLO).
#pragma once
#include <string>
#include <vector>

#include "serve/report.h"

namespace npulab::serve {

// `tok_s_per_user` > 0: also each system's throughput per device and $ per 1M output
// tokens at that interactivity, read off its sweep's Pareto front (serve/interactivity.h).
std::string comparison_table(const std::vector<BenchRun>& runs, double tok_s_per_user = 0);

}  // namespace npulab::serve
