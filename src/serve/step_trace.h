// `npulab bench --step-trace FILE`: a Chrome trace (opens in Perfetto) of the scheduler's
// steps over simulated time - one process per run of a sweep, a track of steps (sequences,
// tokens, prefill tokens, preemptions and KV blocks in the arguments), counters for batch
// size and KV-cache use, and every request as an async span from send to end with its
// first token marked.
#pragma once
#include <string>
#include <vector>

#include "serve/report.h"

namespace npulab::serve {

void write_step_trace(const std::string& path, const std::vector<BenchRun>& runs);

}  // namespace npulab::serve
