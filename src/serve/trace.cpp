#include "serve/trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace npulab::serve {

namespace {

constexpr int64_t kMooncakeBlock = 512;  // tokens per hash id (Mooncake's trace format)

struct Where {
  const std::string& path;
  int64_t line;
};

int64_t parse_count(const std::string& s, const Where& w, const std::string& col) {
  int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0 || v > 100'000'000)
    fail("{}:{}: column '{}': expected a token count (0 .. 100000000), got '{}'", w.path, w.line, col, s);
  return v;
}

double parse_seconds(const std::string& s, const Where& w, const std::string& col) {
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v) || v < 0)
    fail("{}:{}: column '{}': expected a time in seconds >= 0, got '{}'", w.path, w.line, col, s);
  return v;
}

// "2023-11-16 18:15:46.6805900" -> seconds since the epoch (UTC; only differences matter).
double parse_azure_time(const std::string& s, const Where& w) {
  std::tm tm{};
  int frac_digits = 0;
  double frac = 0;
  int y, mo, d, h, mi, sec;
  char tail[32] = {0};
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%31s", &y, &mo, &d, &h, &mi, &sec, tail) < 6 || mo < 1 ||
      mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
    fail("{}:{}: column 'TIMESTAMP': expected 'YYYY-MM-DD HH:MM:SS[.fraction]', got '{}'", w.path, w.line, s);
  if (tail[0]) {
    if (tail[0] != '.') fail("{}:{}: column 'TIMESTAMP': unexpected '{}' after the seconds", w.path, w.line, tail);
    for (const char* c = tail + 1; *c; ++c) {
      if (*c < '0' || *c > '9') fail("{}:{}: column 'TIMESTAMP': bad fraction '{}'", w.path, w.line, tail);
      if (frac_digits < 9) frac = frac * 10 + (*c - '0'), ++frac_digits;
    }
    frac /= std::pow(10.0, frac_digits);
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return double(timegm(&tm)) + frac;
}

// A CSV layout: its header and how a row becomes a record (false: the layout skips the row).
struct CsvLayout {
  const char* name;
  std::vector<std::string> header;
  bool (*row)(const std::vector<std::string>& f, const Where& w, TraceRecord& r);
};

const CsvLayout kCsvLayouts[] = {
    {"npulab", {"arrival_s", "input_len", "output_len"},
     [](const std::vector<std::string>& f, const Where& w, TraceRecord& r) {
       r = {parse_seconds(f[0], w, "arrival_s"), parse_count(f[1], w, "input_len"), parse_count(f[2], w, "output_len"), {}};
       return true;
     }},
    {"azure", {"TIMESTAMP", "ContextTokens", "GeneratedTokens"},
     [](const std::vector<std::string>& f, const Where& w, TraceRecord& r) {
       r = {parse_azure_time(f[0], w), parse_count(f[1], w, "ContextTokens"), parse_count(f[2], w, "GeneratedTokens"), {}};
       return true;
     }},
    {"burstgpt", {"Timestamp", "Model", "Request tokens", "Response tokens", "Total tokens", "Log Type"},
     [](const std::vector<std::string>& f, const Where& w, TraceRecord& r) {
       r = {parse_seconds(f[0], w, "Timestamp"), parse_count(f[2], w, "Request tokens"),
            parse_count(f[3], w, "Response tokens"), {}};
       return r.output_len > 0;  // BurstGPT logs failed requests with 0 response tokens
     }},
};

// A JSONL layout: the keys of its records.
struct JsonLayout {
  const char* name;
  const char *time, *input, *output;
  double time_unit_s;
  bool hash_ids;
};
const JsonLayout kJsonLayouts[] = {
    {"npulab", "arrival_s", "input_len", "output_len", 1.0, false},
    {"mooncake", "timestamp", "input_length", "output_length", 1e-3, true},
};

std::string trim_cr(std::string s) {
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

void read_csv(std::ifstream& in, const std::string& path, const std::string& first, Trace& t) {
  const std::vector<std::string> head = split_csv_line(first);
  const CsvLayout* lay = nullptr;
  for (const CsvLayout& l : kCsvLayouts)
    if (head == l.header) lay = &l;
  if (!lay) {
    std::string known;
    for (const CsvLayout& l : kCsvLayouts) {
      known += fmt::format("\n  {}: ", l.name);
      for (size_t i = 0; i < l.header.size(); ++i) known += (i ? "," : "") + l.header[i];
    }
    fail("{}:1: unrecognised CSV header '{}'; known trace layouts:{}", path, first, known);
  }
  t.layout = lay->name;
  std::string line;
  for (int64_t n = 2; std::getline(in, line); ++n) {
    line = trim_cr(line);
    if (line.empty()) continue;
    const std::vector<std::string> f = split_csv_line(line);
    if (f.size() != lay->header.size())
      fail("{}:{}: {} fields, the {} layout has {}", path, n, f.size(), lay->name, lay->header.size());
    TraceRecord r;
    if (lay->row(f, {path, n}, r)) t.records.push_back(std::move(r));
    else ++t.skipped;
  }
}

void read_jsonl(std::ifstream& in, const std::string& path, std::string line, Trace& t) {
  const JsonLayout* lay = nullptr;
  for (int64_t n = 1;; ++n) {
    line = trim_cr(line);
    if (!line.empty()) {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::parse_error& e) {
        fail("{}:{}: not a JSON object ({})", path, n, e.what());
      }
      if (!j.is_object()) fail("{}:{}: expected a JSON object per line", path, n);
      if (!lay) {
        for (const JsonLayout& l : kJsonLayouts)
          if (j.contains(l.time) && j.contains(l.input) && j.contains(l.output)) lay = &l;
        if (!lay)
          fail("{}:{}: unrecognised record keys; expected {{\"arrival_s\", \"input_len\", \"output_len\"}} or "
               "Mooncake's {{\"timestamp\", \"input_length\", \"output_length\", \"hash_ids\"}}",
               path, n);
        t.layout = lay->name;
      }
      const Where w{path, n};
      auto num = [&](const char* key, bool integer) -> double {
        if (!j.contains(key)) fail("{}:{}: missing key '{}'", path, n, key);
        const auto& v = j[key];
        if (!v.is_number() || (integer && !v.is_number_integer()) || v.get<double>() < 0 || !std::isfinite(v.get<double>()))
          fail("{}:{}: key '{}': expected a {} >= 0, got {}", path, n, key, integer ? "whole number" : "number",
               v.dump());
        return v.get<double>();
      };
      TraceRecord r;
      r.arrival_s = num(lay->time, false) * lay->time_unit_s;
      r.input_len = parse_count(fmt::format("{}", int64_t(num(lay->input, true))), w, lay->input);
      r.output_len = parse_count(fmt::format("{}", int64_t(num(lay->output, true))), w, lay->output);
      if (lay->hash_ids && j.contains("hash_ids")) {
        if (!j["hash_ids"].is_array()) fail("{}:{}: key 'hash_ids': expected an array of integers", path, n);
        for (const auto& h : j["hash_ids"]) {
          if (!h.is_number_integer()) fail("{}:{}: key 'hash_ids': expected integers, got {}", path, n, h.dump());
          r.hash_ids.push_back(h.get<int64_t>());
        }
        if (int64_t(r.hash_ids.size()) * kMooncakeBlock < r.input_len)
          fail("{}:{}: {} hash ids of {} tokens cannot cover an input of {} tokens", path, n, r.hash_ids.size(),
               kMooncakeBlock, r.input_len);
      }
      t.records.push_back(std::move(r));
    }
    if (!std::getline(in, line)) break;
  }
}

}  // namespace

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
      else if (c == '"') quoted = false;
      else cur += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(std::move(cur));
  return out;
}

Trace read_trace(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open trace file '{}'", path);
  std::string first;
  while (std::getline(in, first) && trim_cr(first).empty()) {
  }
  first = trim_cr(first);
  if (first.empty()) fail("{}: empty trace file", path);
  Trace t;
  if (first[0] == '{') read_jsonl(in, path, first, t);
  else read_csv(in, path, first, t);
  if (t.records.empty()) fail("{}: no requests in the trace", path);
  std::stable_sort(t.records.begin(), t.records.end(),
                   [](const TraceRecord& a, const TraceRecord& b) { return a.arrival_s < b.arrival_s; });
  const double t0 = t.records.front().arrival_s;
  for (TraceRecord& r : t.records) r.arrival_s -= t0;
  return t;
}

std::vector<Request> trace_requests(const Trace& t, int64_t vocab, uint64_t seed, int64_t limit, double time_scale,
                                    bool ignore_eos) {
  if (!(time_scale > 0) || !std::isfinite(time_scale)) fail("--trace-time-scale {}: expected > 0", time_scale);
  const size_t n = limit > 0 ? std::min(size_t(limit), t.records.size()) : t.records.size();
  std::vector<Request> reqs;
  reqs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const TraceRecord& r = t.records[i];
    Request q;
    q.id = int64_t(i);
    q.arrival_s = r.arrival_s * time_scale;
    q.max_tokens = r.output_len;
    q.ignore_eos = ignore_eos;
    q.seed = seed ^ (uint64_t(i) * 0x9e3779b97f4a7c15ull);
    if (r.hash_ids.empty()) {
      q.prompt = PromptTokens::synthetic(r.input_len, q.seed, vocab);
    } else {  // block k's ids come from the stream of its hash id: equal ids, equal blocks
      std::vector<int32_t> ids(size_t(r.input_len));
      for (int64_t k = 0; k < r.input_len; ++k)
        ids[size_t(k)] = synthetic_token(seed ^ uint64_t(r.hash_ids[size_t(k / kMooncakeBlock)]), k % kMooncakeBlock,
                                         vocab);
      q.prompt = PromptTokens::stored(std::move(ids));
    }
    reqs.push_back(std::move(q));
  }
  return reqs;
}

}  // namespace npulab::serve
