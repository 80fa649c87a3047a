// The performance table of a deployment on the simulated chip: the simulated time of its
// step programs on a grid of shapes, interpolated in between (docs/SERVING.md, "Timing at
// scale"). Two program kinds, as llm/compile builds them:
//   decode   `batch` sequences, one token each, `context` tokens into their caches
//   prefill  a chunk of `tokens` tokens of one sequence after `context` cached tokens,
//            without the logits; a chunk that ends its prompt adds logits_ns (the classifier
//            over one row), measured as the difference of the two programs at one shape.
// Times are bilinear between grid points and held at the edges. Every value is a timing-only
// simulation of a compiled program (StepSimulator); nothing is fitted.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "serve/npu_deployment.h"

namespace npulab::serve {

struct PerfGrid {
  std::vector<int64_t> decode_batch, decode_context;    // ascending
  std::vector<int64_t> prefill_tokens, prefill_context;
  // The default grid for programs of up to max_batch sequences, contexts below max_context
  // and prefill chunks of up to `chunk` tokens.
  static PerfGrid standard(int64_t max_batch, int64_t max_context, int64_t chunk);
  int64_t points() const;  // programs to simulate (+1 for the logits)
  nlohmann::json to_json() const;
  static PerfGrid from_json(const nlohmann::json& j, const std::string& where);
  bool operator==(const PerfGrid&) const = default;
};

struct PerfTable {
  PerfGrid grid;
  int64_t prefill_chunk = 128;   // tokens per prefill program at most
  std::vector<double> decode;    // ns, [batch index][context index]
  std::vector<double> prefill;   // ns, [tokens index][context index], without logits
  double logits_ns = 0;

  double decode_ns(double batch, double context) const;
  double prefill_ns(double tokens, double context, bool logits) const;
  nlohmann::json to_json() const;
  static PerfTable from_json(const nlohmann::json& j, const std::string& where);
};

// done, total programs simulated
using TableProgress = std::function<void(int64_t, int64_t)>;

// Simulates every grid point (on `threads` host threads, each with its own simulated chip:
// the result does not depend on the thread count).
PerfTable build_perf_table(const NpuDeployment& d, const PerfGrid& g, int64_t prefill_chunk, int threads,
                           const TableProgress& progress = {});

}  // namespace npulab::serve
