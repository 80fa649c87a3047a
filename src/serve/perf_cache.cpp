#include "serve/perf_cache.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "common/error.h"
#include "isa/container.h"
#include "serve/step_simulator.h"

#ifndef NPULAB_VERSION
#define NPULAB_VERSION "unknown"
#endif

namespace npulab::serve {

namespace fs = std::filesystem;

uint64_t hash_bytes(const void* data, size_t n, uint64_t h) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

namespace {

nlohmann::json model_json(const llm::ModelConfig& c) {
  return {{"arch", c.arch},
          {"dim", c.dim},
          {"n_layers", c.n_layers},
          {"n_heads", c.n_heads},
          {"n_kv_heads", c.n_kv_heads},
          {"head_dim", c.head_dim},
          {"hidden_dim", c.hidden_dim},
          {"vocab_size", c.vocab_size},
          {"max_seq_len", c.max_seq_len},
          {"rope_theta", c.rope_theta},
          {"rope_convention", llm::rope_convention_name(c.rope_convention)},
          {"rope_scaling", {c.rope_scaling.enabled, c.rope_scaling.factor, c.rope_scaling.low_freq_factor,
                            c.rope_scaling.high_freq_factor, c.rope_scaling.original_max_position}},
          {"rope_freq_factors", c.rope_freq_factors},
          {"rms_eps", c.rms_eps},
          {"sliding_window", c.sliding_window},
          {"qkv_bias", c.qkv_bias},
          {"tied_embeddings", c.tied_embeddings},
          {"n_experts", c.n_experts},
          {"n_experts_per_tok", c.n_experts_per_tok},
          {"bos_id", c.bos_id}};
}

std::string file_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read chip description '{}' (needed for the performance table's cache key)", path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  return fmt::format("{:016x}:{}", hash_bytes(bytes.data(), bytes.size()), bytes.size());
}

std::string program_hash(const llm::compile::StepProgram& p) {
  const std::vector<uint8_t> bytes = isa::encode_executable(p.exe);
  return fmt::format("{:016x}:{}", hash_bytes(bytes.data(), bytes.size()), bytes.size());
}

}  // namespace

PerfTableKey perf_table_key(const NpuDeployment& d, const PerfGrid& g, StepSimulator& probe) {
  const int64_t prefill_chunk = probe.prefill_chunk();
  const llm::compile::StepProgram dec = probe.compile_decode(1, 1);
  const llm::compile::StepProgram pre = probe.compile_prefill(prefill_chunk, 0, true);
  PerfTableKey k;
  k.material = {{"format", 1},
                {"npulab", NPULAB_VERSION},
                {"model", model_json(d.model)},
                {"chip", {{"name", d.chip.name}, {"file", file_hash(d.chip.source_file)}}},
                {"weight_dtype", dtype_name(d.weight_dtype)},
                {"tp", d.tp},
                {"lnc", d.lnc},
                {"max_context", d.max_context},
                {"max_batch", d.max_batch},
                {"resident_weights", d.resident_weights},
                {"prefill_chunk", prefill_chunk},
                {"grid", g.to_json()},
                {"compiler", {program_hash(dec), program_hash(pre)}},
                {"simulator", {probe.simulate(dec), probe.simulate(pre)}}};
  if (!d.logits) k.material["logits"] = false;  // only then, so every other table keeps its key
  const std::string text = k.material.dump();
  k.hash = fmt::format("{:016x}", hash_bytes(text.data(), text.size()));
  return k;
}

std::string cached_table_path(const std::string& dir, const PerfTableKey& key) {
  return (fs::path(dir) / fmt::format("perf-{}.json", key.hash)).string();
}

std::optional<PerfTable> load_cached_table(const std::string& dir, const PerfTableKey& key) {
  const std::string path = cached_table_path(dir, key);
  std::ifstream in(path);
  if (!in) return std::nullopt;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    if (!j.contains("key") || j["key"] != key.material) return std::nullopt;
    return PerfTable::from_json(j.at("table"), path);
  } catch (const std::exception&) {
    return std::nullopt;  // damaged: rebuilt and overwritten
  }
}

void store_cached_table(const std::string& dir, const PerfTableKey& key, const PerfTable& t) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("cannot create the performance-table cache directory '{}': {}", dir, ec.message());
  const std::string path = cached_table_path(dir, key), tmp = path + fmt::format(".tmp{}", ::getpid());
  {
    std::ofstream out(tmp);
    if (!out) fail("cannot write '{}'", tmp);
    out << nlohmann::json{{"key", key.material}, {"table", t.to_json()}}.dump(1) << "\n";
    if (!out) fail("cannot write '{}'", tmp);
  }
  fs::rename(tmp, path, ec);
  if (ec) fail("cannot rename '{}' to '{}': {}", tmp, path, ec.message());
}

PerfTable standard_perf_table(const NpuDeployment& d, const std::string& cache_dir, int threads,
                              const TableProgress& progress, PerfTableOrigin* origin) {
  const auto t0 = std::chrono::steady_clock::now();
  PerfTableOrigin o;
  StepSimulator probe(d);
  const int64_t chunk = probe.prefill_chunk();
  const PerfGrid g = PerfGrid::standard(d.max_batch, d.max_context, chunk);
  std::optional<PerfTable> t;
  std::optional<PerfTableKey> key;
  if (!cache_dir.empty()) {
    key = perf_table_key(d, g, probe);
    o.path = cached_table_path(cache_dir, *key);
    t = load_cached_table(cache_dir, *key);
    o.cached = t.has_value();
  }
  if (!t) {
    t = build_perf_table(d, g, chunk, threads, progress);
    o.programs = g.points();
    if (key) store_cached_table(cache_dir, *key, *t);
  }
  o.host_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (origin) *origin = o;
  return std::move(*t);
}

}  // namespace npulab::serve
