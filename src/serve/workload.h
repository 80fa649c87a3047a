// Workloads: the requests a benchmark sends and when.
//   - Arrivals: all at time 0 (offline, or fixed concurrency with the engine's limit), or a
//     request rate with gamma-distributed gaps of shape `burstiness` (1 = Poisson), as
//     vLLM's benchmark draws them: the first request at 0, then gaps of mean 1/rate.
//   - Synthetic requests: input and output lengths from distributions, prompts of synthetic
//     ids (optionally after a prefix shared by all), from a seed. Named presets give the usual
//     pairs (presets()).
//   - Traces (trace.h) and datasets (dataset.h) produce the same Request list.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "serve/length_dist.h"
#include "serve/request.h"

namespace npulab::serve {

struct Arrivals {
  double rate = 0;        // requests per second; 0 or inf = all at time 0
  double burstiness = 1;  // gamma shape of the gaps
  void validate() const;
  std::string describe() const;
};
// n arrival times (seconds, nondecreasing, the first at 0).
std::vector<double> arrival_times(int64_t n, const Arrivals& a, Rng& rng);

struct SyntheticSpec {
  int64_t requests = 100;
  LengthDist input = LengthDist::fixed(1024), output = LengthDist::fixed(1024);
  int64_t shared_prefix = 0;  // leading prompt tokens common to every request
  int64_t vocab = 32000;      // synthetic ids are drawn below this
  uint64_t seed = 0;
  bool ignore_eos = true;
};

std::vector<Request> synthetic_workload(const SyntheticSpec& spec, const Arrivals& arrivals);

// Named input/output length pairs.
struct Preset {
  std::string name, description, source;
  LengthDist input, output;
};
const std::vector<Preset>& presets();
const Preset& find_preset(const std::string& name);  // throws listing the names

// Assign `arrivals` to requests in order (traces keep their own times instead).
void set_arrivals(std::vector<Request>& reqs, const Arrivals& arrivals, uint64_t seed);

}  // namespace npulab::serve
