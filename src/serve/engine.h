// The serving engine's loop over simulated time: requests are sent by their clients (at
// their arrival times, at most max_concurrency in flight, as vLLM's benchmark client does),
// queue in the scheduler, and every step the scheduler plans runs on a StepBackend, which
// says how long it took (and, functionally, which tokens it sampled). Tokens are stamped
// with the end time of the step that produced them. Nothing is lost: every request ends
// finished or failed with its reason.
//
// Data parallelism: the engine may run N identical replicas (each its own scheduler, KV cache
// and backend, as N vLLM engines behind a load balancer). The clients are shared - one
// concurrency limit over the whole system, as one benchmark client in front of the balancer -
// and each request is routed when it is sent (serve/router.h). Replicas step independently
// in simulated time; events are taken in time order (ties: step ends before sends, replicas
// by index), so a run is deterministic and one replica is the single engine. A step starts
// on its backend at the engine's time (StepBackend::run_at): a pipeline's virtual engines are
// such replicas whose backends share the pipeline's stages (serve/pipeline_perf_model.h).
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "serve/router.h"
#include "serve/scheduler.h"

namespace npulab::serve {

struct EngineOptions {
  SchedulerConfig scheduler;
  // Requests in flight at most (0 = no limit): a request is sent when its arrival time has
  // come and one of the earlier ones has finished (fixed concurrency: all arrivals at 0).
  int64_t max_concurrency = 0;
  Routing routing = Routing::LeastOutstanding;  // with several replicas
};

// One engine step, for the time series, plots and the Chrome trace.
struct StepRecord {
  double start_s = 0, dur_s = 0;
  int32_t seqs = 0;            // sequences in the step
  int32_t prefill_seqs = 0;    // of which prefilling (more than one token, or a first token)
  int32_t sampled = 0;         // tokens produced
  int32_t preempted = 0;
  int64_t tokens = 0;          // tokens processed
  int64_t prefill_tokens = 0;  // of which prompt / recompute tokens
  int64_t kv_blocks_used = 0;  // after the step
  int32_t running = 0, waiting = 0;  // after the step
  int32_t replica = 0;         // which data-parallel replica ran it
};

struct EngineRun {
  std::vector<Sequence> seqs;   // one per request, in request order, final state
  std::vector<StepRecord> steps;  // every replica's, in the order they ended
  std::vector<float> itl_s;     // every inter-token gap of every request
  PrefixCacheStats prefix;
  int64_t preemptions = 0;
  int64_t kv_blocks = 0, block_size = 0;  // of one replica's cache
  int64_t replicas = 1;
  std::vector<int32_t> replica_of;  // per request: the replica it was routed to
  int64_t max_in_flight = 0;
  double end_s = 0;             // when the last request ended
};

// finished requests, all requests, simulated time so far
using EngineProgress = std::function<void(int64_t, int64_t, double)>;

// One replica per backend (each backend serves one replica's steps).
EngineRun run_engine(const EngineOptions& opt, std::span<StepBackend* const> replicas,
                     std::span<const Request> requests, const EngineProgress& progress = {});
// The single engine.
EngineRun run_engine(const EngineOptions& opt, StepBackend& backend, std::span<const Request> requests,
                     const EngineProgress& progress = {});

}  // namespace npulab::serve
