#include "serve/dataset.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"

namespace npulab::serve {

namespace {

using nlohmann::json;

std::string text_of(const json& turn, const std::string& where) {
  for (const char* key : {"value", "content", "text"})
    if (turn.contains(key)) {
      if (!turn[key].is_string()) fail("{}: conversation turn '{}' is not a string", where, key);
      return turn[key].get<std::string>();
    }
  fail("{}: conversation turn without 'value' or 'content'", where);
}

DatasetRecord record_of(const json& j, const std::string& where, int64_t line) {
  if (!j.is_object()) fail("{}: expected a JSON object", where);
  DatasetRecord r;
  r.line = line;
  if (j.contains("conversations") || j.contains("messages")) {
    const json& c = j.contains("conversations") ? j["conversations"] : j["messages"];
    if (!c.is_array() || c.empty()) fail("{}: 'conversations' must be a non-empty array of turns", where);
    if (!c[0].is_object()) fail("{}: conversation turn 0 is not an object", where);
    r.prompt = text_of(c[0], where);
    if (c.size() >= 2) {
      if (!c[1].is_object()) fail("{}: conversation turn 1 is not an object", where);
      r.completion = text_of(c[1], where);
    }
  } else if (j.contains("prompt")) {
    if (!j["prompt"].is_string()) fail("{}: 'prompt' is not a string", where);
    r.prompt = j["prompt"].get<std::string>();
    if (j.contains("completion")) {
      if (!j["completion"].is_string()) fail("{}: 'completion' is not a string", where);
      r.completion = j["completion"].get<std::string>();
    }
  } else {
    fail("{}: expected 'conversations' (ShareGPT) or 'prompt'", where);
  }
  if (j.contains("output_len")) {
    if (!j["output_len"].is_number_integer() || j["output_len"].get<int64_t>() < 1)
      fail("{}: 'output_len' must be a whole number >= 1", where);
    r.output_len = j["output_len"].get<int64_t>();
  }
  if (r.prompt.empty()) fail("{}: empty prompt", where);
  return r;
}

}  // namespace

std::vector<DatasetRecord> read_dataset(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open dataset '{}'", path);
  std::vector<DatasetRecord> out;
  const int c = (in >> std::ws).peek();
  if (c == '[') {  // one JSON array (ShareGPT as published)
    std::stringstream ss;
    ss << in.rdbuf();
    json all;
    try {
      all = json::parse(ss.str());
    } catch (const json::parse_error& e) {
      fail("{}: not valid JSON ({})", path, e.what());
    }
    for (size_t i = 0; i < all.size(); ++i)
      out.push_back(record_of(all[i], fmt::format("{}: record {}", path, i), int64_t(i)));
  } else {
    std::string line;
    for (int64_t n = 1; std::getline(in, line); ++n) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      json j;
      try {
        j = json::parse(line);
      } catch (const json::parse_error& e) {
        fail("{}:{}: not a JSON object ({})", path, n, e.what());
      }
      out.push_back(record_of(j, fmt::format("{}:{}", path, n), n));
    }
  }
  if (out.empty()) fail("{}: no records", path);
  return out;
}

std::vector<Request> dataset_requests(const std::vector<DatasetRecord>& records, const llm::Tokenizer& tok,
                                      int64_t default_output_len, int64_t output_len, int64_t limit, uint64_t seed,
                                      bool ignore_eos) {
  const size_t n = limit > 0 ? std::min(size_t(limit), records.size()) : records.size();
  std::vector<Request> reqs;
  reqs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const DatasetRecord& r = records[i];
    Request q;
    q.id = int64_t(i);
    q.prompt = PromptTokens::stored(tok.encode(r.prompt, true));
    if (output_len > 0) q.max_tokens = output_len;
    else if (r.output_len > 0) q.max_tokens = r.output_len;
    else if (!r.completion.empty()) q.max_tokens = std::max<int64_t>(1, int64_t(tok.encode(r.completion, false).size()));
    else q.max_tokens = default_output_len;
    q.seed = seed ^ (uint64_t(i) * 0x9e3779b97f4a7c15ull);
    q.ignore_eos = ignore_eos;
    reqs.push_back(std::move(q));
  }
  return reqs;
}

}  // namespace npulab::serve
