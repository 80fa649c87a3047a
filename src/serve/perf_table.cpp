#include "serve/perf_table.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "serve/step_simulator.h"

namespace npulab::serve {

namespace {

std::vector<int64_t> sorted_unique(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// Index i and weight w with x between axis[i] and axis[i+1] (held at the ends).
void locate(const std::vector<int64_t>& axis, double x, size_t& i, double& w) {
  if (axis.size() == 1 || x <= double(axis.front())) {
    i = 0;
    w = 0;
    return;
  }
  if (x >= double(axis.back())) {
    i = axis.size() - 2;
    w = 1;
    return;
  }
  i = size_t(std::upper_bound(axis.begin(), axis.end(), int64_t(x)) - axis.begin()) - 1;
  if (i + 1 >= axis.size()) i = axis.size() - 2;
  w = (x - double(axis[i])) / double(axis[i + 1] - axis[i]);
}

double bilinear(const std::vector<int64_t>& ax, const std::vector<int64_t>& ay, const std::vector<double>& v,
                double x, double y) {
  size_t i, j;
  double wx, wy;
  locate(ax, x, i, wx);
  locate(ay, y, j, wy);
  const size_t ny = ay.size();
  auto at = [&](size_t a, size_t b) { return v[std::min(a, ax.size() - 1) * ny + std::min(b, ny - 1)]; };
  const double lo = at(i, j) * (1 - wy) + at(i, j + 1) * wy;
  const double hi = at(i + 1, j) * (1 - wy) + at(i + 1, j + 1) * wy;
  return lo * (1 - wx) + hi * wx;
}

std::vector<int64_t> axis_from(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_array() || j[key].empty()) fail("{}: '{}' must be a non-empty array", where, key);
  std::vector<int64_t> v;
  for (const auto& x : j[key]) {
    if (!x.is_number_integer()) fail("{}: '{}' must hold integers", where, key);
    v.push_back(x.get<int64_t>());
  }
  if (!std::is_sorted(v.begin(), v.end()) || std::adjacent_find(v.begin(), v.end()) != v.end())
    fail("{}: '{}' must be strictly ascending", where, key);
  return v;
}

std::vector<double> values_from(const nlohmann::json& j, const char* key, size_t n, const std::string& where) {
  if (!j.contains(key) || !j[key].is_array() || j[key].size() != n)
    fail("{}: '{}' must be an array of {} numbers", where, key, n);
  std::vector<double> v;
  for (const auto& x : j[key]) {
    if (!x.is_number() || !(x.get<double>() > 0)) fail("{}: '{}' must hold positive times", where, key);
    v.push_back(x.get<double>());
  }
  return v;
}

}  // namespace

PerfGrid PerfGrid::standard(int64_t max_batch, int64_t max_context, int64_t chunk) {
  PerfGrid g;
  for (int64_t b : {1, 4, 16, 32, 64, 96, 128})
    if (b < max_batch) g.decode_batch.push_back(b);
  g.decode_batch.push_back(max_batch);
  for (int64_t c : {1, 512, 1024, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 24576, 32768, 49152, 65536, 98304})
    if (c < max_context - 1) g.decode_context.push_back(c);
  g.decode_context.push_back(max_context - 1);
  for (int64_t t : {8, 32, 64})
    if (t < chunk) g.prefill_tokens.push_back(t);
  g.prefill_tokens.push_back(chunk);
  const int64_t last = std::max<int64_t>(0, max_context - chunk);
  for (int64_t c : {0, 512, 1024, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 24576, 32768, 49152, 65536})
    if (c < last) g.prefill_context.push_back(c);
  g.prefill_context.push_back(last);
  g.decode_batch = sorted_unique(g.decode_batch);
  g.decode_context = sorted_unique(g.decode_context);
  g.prefill_tokens = sorted_unique(g.prefill_tokens);
  g.prefill_context = sorted_unique(g.prefill_context);
  return g;
}

int64_t PerfGrid::points() const {
  return int64_t(decode_batch.size() * decode_context.size() + prefill_tokens.size() * prefill_context.size()) + 1;
}

nlohmann::json PerfGrid::to_json() const {
  return {{"decode_batch", decode_batch},
          {"decode_context", decode_context},
          {"prefill_tokens", prefill_tokens},
          {"prefill_context", prefill_context}};
}

PerfGrid PerfGrid::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) fail("{}: the grid must be an object", where);
  PerfGrid g;
  g.decode_batch = axis_from(j, "decode_batch", where);
  g.decode_context = axis_from(j, "decode_context", where);
  g.prefill_tokens = axis_from(j, "prefill_tokens", where);
  g.prefill_context = axis_from(j, "prefill_context", where);
  return g;
}

double PerfTable::decode_ns(double batch, double context) const {
  return bilinear(grid.decode_batch, grid.decode_context, decode, batch, context);
}

double PerfTable::prefill_ns(double tokens, double context, bool logits) const {
  return bilinear(grid.prefill_tokens, grid.prefill_context, prefill, tokens, context) + (logits ? logits_ns : 0.0);
}

nlohmann::json PerfTable::to_json() const {
  return {{"grid", grid.to_json()},
          {"prefill_chunk", prefill_chunk},
          {"decode_ns", decode},
          {"prefill_ns", prefill},
          {"logits_ns", logits_ns}};
}

PerfTable PerfTable::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("grid")) fail("{}: not a performance table (no 'grid')", where);
  PerfTable t;
  t.grid = PerfGrid::from_json(j["grid"], where);
  if (!j.contains("prefill_chunk") || !j["prefill_chunk"].is_number_integer() || j["prefill_chunk"].get<int64_t>() < 1)
    fail("{}: 'prefill_chunk' must be a positive integer", where);
  t.prefill_chunk = j["prefill_chunk"].get<int64_t>();
  t.decode = values_from(j, "decode_ns", t.grid.decode_batch.size() * t.grid.decode_context.size(), where);
  t.prefill = values_from(j, "prefill_ns", t.grid.prefill_tokens.size() * t.grid.prefill_context.size(), where);
  if (!j.contains("logits_ns") || !j["logits_ns"].is_number()) fail("{}: 'logits_ns' must be a number", where);
  t.logits_ns = j["logits_ns"].get<double>();
  return t;
}

PerfTable build_perf_table(const NpuDeployment& d, const PerfGrid& g, int64_t prefill_chunk, int threads,
                           const TableProgress& progress) {
  PerfTable t;
  t.grid = g;
  t.prefill_chunk = prefill_chunk;
  t.decode.assign(g.decode_batch.size() * g.decode_context.size(), 0);
  t.prefill.assign(g.prefill_tokens.size() * g.prefill_context.size(), 0);
  // Work items, the most expensive (large batch, long context) first for a balanced finish.
  struct Item {
    int kind;  // 0 decode, 1 prefill, 2 prefill with logits at (chunk, 0)
    size_t i, j;
  };
  std::vector<Item> items;
  for (size_t i = g.decode_batch.size(); i-- > 0;)
    for (size_t j = g.decode_context.size(); j-- > 0;) items.push_back({0, i, j});
  for (size_t i = g.prefill_tokens.size(); i-- > 0;)
    for (size_t j = g.prefill_context.size(); j-- > 0;) items.push_back({1, i, j});
  items.push_back({2, 0, 0});
  double with_logits = 0;
  std::atomic<size_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex mu;  // progress callback and the first error
  std::exception_ptr error;
  auto work = [&] {
    try {
      StepSimulator sim(d);
      for (size_t k; (k = next.fetch_add(1)) < items.size();) {
        const Item& it = items[k];
        const size_t np = g.prefill_context.size(), nd = g.decode_context.size();
        if (it.kind == 0) t.decode[it.i * nd + it.j] = sim.decode_ns(g.decode_batch[it.i], g.decode_context[it.j]);
        else if (it.kind == 1)
          t.prefill[it.i * np + it.j] = sim.prefill_ns(g.prefill_tokens[it.i], g.prefill_context[it.j], false);
        else with_logits = sim.prefill_ns(g.prefill_tokens.back(), g.prefill_context.front(), true);
        const int64_t n = ++done;
        if (progress) {
          std::lock_guard<std::mutex> l(mu);
          progress(n, int64_t(items.size()));
        }
      }
    } catch (...) {
      std::lock_guard<std::mutex> l(mu);
      if (!error) error = std::current_exception();
      next = items.size();
    }
  };
  const int n = std::max(1, std::min<int>(threads, int(items.size())));
  std::vector<std::thread> pool;
  for (int i = 1; i < n; ++i) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
  t.logits_ns = with_logits - t.prefill[(g.prefill_tokens.size() - 1) * g.prefill_context.size()];
  return t;
}

}  // namespace npulab::serve
