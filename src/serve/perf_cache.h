// Performance tables cached on disk, keyed by everything their values depend on: the model
// config, the chip description file's bytes, the weight dtype and parallelism, the grid and
// limits, the npulab version, and the compiler and simulator themselves - the encoded bytes
// of two probe step programs of this deployment and their simulated times, so any change to
// llm/compile, the kernels or the simulator's costs that touches this model's programs makes
// a new key. The whole key is stored in the file and compared on load (a hash collision is a
// miss, not a wrong table). Files are written to a temporary name and renamed into place.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "serve/perf_table.h"

namespace npulab::serve {

class StepSimulator;

struct PerfTableKey {
  nlohmann::json material;
  std::string hash;  // 16 hex digits of the material, the file name
};

PerfTableKey perf_table_key(const NpuDeployment& d, const PerfGrid& g, StepSimulator& probe);

// The cached table under `dir` for `key`, or nullopt (absent, unreadable or another key).
std::optional<PerfTable> load_cached_table(const std::string& dir, const PerfTableKey& key);
void store_cached_table(const std::string& dir, const PerfTableKey& key, const PerfTable& t);
std::string cached_table_path(const std::string& dir, const PerfTableKey& key);

// The deployment's table with the standard grid: loaded from `cache_dir` when its key is
// there, else built (progress reported) and stored. cache_dir "" = no cache.
struct PerfTableOrigin {
  bool cached = false;
  std::string path;       // the cache file ("" without a cache)
  int64_t programs = 0;   // simulated to build it (0 when cached)
  double host_s = 0;      // host time to key, load or build it
};
PerfTable standard_perf_table(const NpuDeployment& d, const std::string& cache_dir, int threads,
                              const TableProgress& progress, PerfTableOrigin* origin = nullptr);

uint64_t hash_bytes(const void* data, size_t n, uint64_t h = 0xcbf29ce484222325ull);  // FNV-1a 64

}  // namespace npulab::serve
