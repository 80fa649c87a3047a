#include "validate/case_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace npulab::validate {

namespace {

const char* type_name(const toml::node& n) {
  if (n.is_string()) return "a string";
  if (n.is_integer()) return "an integer";
  if (n.is_floating_point()) return "a real number";
  if (n.is_boolean()) return "a boolean";
  if (n.is_table()) return "a table";
  if (n.is_array()) return "an array";
  return "a date or time";
}

}  // namespace

CaseReader::CaseReader(std::string prefix, std::string table, const toml::table& t)
    : prefix_(std::move(prefix)), table_(std::move(table)), t_(t) {}

std::string CaseReader::where(const std::string& key) const {
  return fmt::format("{}: {}{}{}", prefix_, table_, table_.empty() ? "" : ".", key);
}

void CaseReader::fail_at(const std::string& key, const std::string& what) const {
  fail("{}: {}", where(key), what);
}

const toml::node* CaseReader::find(const std::string& key) {
  known_.push_back(key);
  return t_.get(key);
}

std::optional<std::string> CaseReader::opt_string(const std::string& key) {
  const toml::node* n = find(key);
  if (!n) return std::nullopt;
  if (!n->is_string()) fail_at(key, fmt::format("expected a string, got {}", type_name(*n)));
  std::string s = *n->value<std::string>();
  if (s.empty()) fail_at(key, "expected a non-empty string");
  return s;
}

std::string CaseReader::string(const std::string& key) {
  auto s = opt_string(key);
  if (!s) fail_at(key, "missing (expected a string)");
  return *s;
}

std::optional<int64_t> CaseReader::opt_integer(const std::string& key, int64_t lo, int64_t hi) {
  const toml::node* n = find(key);
  if (!n) return std::nullopt;
  if (!n->is_integer()) fail_at(key, fmt::format("expected an integer, got {}", type_name(*n)));
  const int64_t v = *n->value<int64_t>();
  if (v < lo || v > hi) fail_at(key, fmt::format("expected an integer in [{}, {}], got {}", lo, hi, v));
  return v;
}

int64_t CaseReader::integer(const std::string& key, int64_t lo, int64_t hi) {
  auto v = opt_integer(key, lo, hi);
  if (!v) fail_at(key, fmt::format("missing (expected an integer in [{}, {}])", lo, hi));
  return *v;
}

std::optional<double> CaseReader::opt_real(const std::string& key, double lo, double hi) {
  const toml::node* n = find(key);
  if (!n) return std::nullopt;
  if (!n->is_number()) fail_at(key, fmt::format("expected a number, got {}", type_name(*n)));
  const double v = n->is_integer() ? double(*n->value<int64_t>()) : *n->value<double>();
  if (!std::isfinite(v) || v < lo || v > hi) fail_at(key, fmt::format("expected a number in [{:g}, {:g}], got {:g}", lo, hi, v));
  return v;
}

double CaseReader::real(const std::string& key, double lo, double hi) {
  auto v = opt_real(key, lo, hi);
  if (!v) fail_at(key, fmt::format("missing (expected a number in [{:g}, {:g}])", lo, hi));
  return *v;
}

std::optional<bool> CaseReader::opt_boolean(const std::string& key) {
  const toml::node* n = find(key);
  if (!n) return std::nullopt;
  if (!n->is_boolean()) fail_at(key, fmt::format("expected true or false, got {}", type_name(*n)));
  return *n->value<bool>();
}

std::string CaseReader::choice(const std::string& key, const std::vector<std::string>& allowed) {
  const std::string s = string(key);
  if (std::find(allowed.begin(), allowed.end(), s) == allowed.end())
    fail_at(key, fmt::format("expected one of {}, got '{}'", fmt::join(allowed, ", "), s));
  return s;
}

void CaseReader::finish() const {
  for (const auto& [k, v] : t_) {
    const std::string key(k.str());
    if (std::find(known_.begin(), known_.end(), key) == known_.end())
      fail_at(key, fmt::format("unknown key (known here: {})", fmt::join(known_, ", ")));
  }
}

}  // namespace npulab::validate
