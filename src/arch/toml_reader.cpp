#include "arch/toml_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <limits>

#include "arch/hw_ranges.h"
#include "common/error.h"

namespace npulab::arch {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Human name of a TOML node's type, for "expected X, got Y" messages.
std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return fmt::format("the string \"{}\"", *n.value<std::string>());
    case toml::node_type::integer: return fmt::format("the integer {}", *n.value<int64_t>());
    case toml::node_type::floating_point: return fmt::format("the float {}", *n.value<double>());
    case toml::node_type::boolean: return *n.value<bool>() ? "true" : "false";
    default: return "a date/time";
  }
}

// Levenshtein distance, for "did you mean" on misspelt keys (keys are short).
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

TomlTableReader::TomlTableReader(const std::string& file, const toml::table& root,
                                 std::string table)
    : file_(file), name_(std::move(table)) {
  table_ = root[name_].as_table();
  if (!table_) fail("{}: missing table [{}]", file_, name_);
}

std::string TomlTableReader::where(const std::string& key) const {
  return fmt::format("{}: {}.{}", file_, name_, key);
}

// A missing key is only recorded here and reported by finish(), after unknown keys: a
// misspelt key then reads "unknown key 'rowz' (did you mean 'rows'?)" instead of
// "missing 'rows'".
const toml::node* TomlTableReader::find(const std::string& key) {
  known_.push_back(key);
  const toml::node* n = table_->get(key);
  if (!n) missing_.push_back(key);
  return n;
}

int64_t TomlTableReader::integer(const std::string& key) {
  const KeyRange& range = key_range(name_, key);
  const toml::node* np = find(key);
  if (!np) return 0;
  const std::string expected = range_text(range);
  auto v = np->value_exact<int64_t>();
  if (!range.integer || !v) fail("{}: expected {}, got {}", where(key), expected, type_name(*np));
  if (double(*v) < range.lo || double(*v) > range.hi)
    fail("{}: expected {} ({}), got {}", where(key), expected, range.why, *v);
  return *v;
}

double TomlTableReader::real(const std::string& key) {
  const KeyRange& range = key_range(name_, key);
  const toml::node* np = find(key);
  if (!np) return 0;
  const toml::node& n = *np;
  const std::string expected = range_text(range);
  // Integers are accepted for real-valued keys ("clock_ghz = 2" means 2.0).
  std::optional<double> v;
  if (n.is_floating_point()) v = n.value_exact<double>();
  else if (n.is_integer()) v = static_cast<double>(*n.value_exact<int64_t>());
  if (range.integer || !v) fail("{}: expected {}, got {}", where(key), expected, type_name(n));
  if (!std::isfinite(*v) || *v < range.lo || *v > range.hi)
    fail("{}: expected {} ({}), got {}", where(key), expected, range.why, *v);
  return *v;
}

std::string TomlTableReader::string(const std::string& key) {
  const toml::node* np = find(key);
  if (!np) return {};
  const toml::node& n = *np;
  auto v = n.value_exact<std::string>();
  if (!v) fail("{}: expected a string, got {}", where(key), type_name(n));
  if (v->empty()) fail("{}: expected a non-empty string", where(key));
  return *v;
}

bool TomlTableReader::boolean(const std::string& key) {
  const toml::node* np = find(key);
  if (!np) return false;
  auto v = np->value_exact<bool>();
  if (!v) fail("{}: expected true or false, got {}", where(key), type_name(*np));
  return *v;
}

std::vector<uint32_t> TomlTableReader::u32_list(const std::string& key) {
  const KeyRange& range = key_range(name_, key);
  const toml::node* np = find(key);
  if (!np) return {};
  const std::string expected = "a non-empty array, each element " + range_text(range);
  const toml::array* a = np->as_array();
  if (!range.integer || !a || a->empty()) fail("{}: expected {}, got {}", where(key), expected, type_name(*np));
  std::vector<uint32_t> out;
  for (const toml::node& e : *a) {
    auto v = e.value_exact<int64_t>();
    if (!v) fail("{}: expected {}, got an element that is {}", where(key), expected, type_name(e));
    if (double(*v) < range.lo || double(*v) > range.hi)
      fail("{}: expected {} ({}), got an element {}", where(key), expected, range.why, *v);
    out.push_back(static_cast<uint32_t>(*v));
  }
  return out;
}

uint32_t TomlTableReader::u32(const std::string& key) {
  if (key_range(name_, key).hi > std::numeric_limits<uint32_t>::max())
    fail("internal error: {} has a range beyond 32 bits but is read as a 32-bit field", where(key));
  return static_cast<uint32_t>(integer(key));
}
uint64_t TomlTableReader::u64(const std::string& key) { return static_cast<uint64_t>(integer(key)); }

std::vector<int64_t> TomlTableReader::ascending_ints(const std::string& key) {
  const KeyRange& range = key_range(name_, key);
  const toml::node* np = find(key);
  std::vector<int64_t> out;
  if (!np) return out;
  const std::string expected = "an ascending array of " + range_text(range);
  const toml::array* a = np->as_array();
  if (!range.integer || !a) fail("{}: expected {}, got {}", where(key), expected, type_name(*np));
  for (const toml::node& e : *a) {
    auto v = e.value_exact<int64_t>();
    if (!v) fail("{}: expected {}, got an element that is {}", where(key), expected, type_name(e));
    if (double(*v) < range.lo || double(*v) > range.hi)
      fail("{}: expected {} ({}), got {}", where(key), expected, range.why, *v);
    if (!out.empty() && *v <= out.back())
      fail("{}: expected {}, got {} after {}", where(key), expected, *v, out.back());
    out.push_back(*v);
  }
  return out;
}

void TomlTableReader::finish() const {
  for (const auto& [k, _] : *table_) {
    std::string key(k.str());
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    if (!missing_.empty()) {
      auto closest = std::min_element(missing_.begin(), missing_.end(), [&](auto& a, auto& b) {
        return edit_distance(key, a) < edit_distance(key, b);
      });
      fail("{}: unknown key (did you mean '{}', which [{}] lacks?)", where(key), *closest, name_);
    }
    fail("{}: unknown key (known keys of [{}]: {})", where(key), name_, join(known_));
  }
  if (!missing_.empty())
    fail("{}: missing required key (see docs/HARDWARE.md)", where(missing_.front()));
}

std::string read_hw_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open hardware description file", path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

toml::table parse_hw_text(std::string_view text, const std::string& path) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    fail("{}: empty hardware description (expected the tables of docs/HARDWARE.md)", path);
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    fail("{}:{}:{}: TOML syntax error: {}", path, b.line, b.column, e.description());
  }
}

void check_top_level(const std::string& file, const toml::table& root,
                     const std::vector<std::string>& tables) {
  check_top_level(file, root, tables, {});
}

void check_top_level(const std::string& file, const toml::table& root, const std::vector<std::string>& tables,
                     const std::vector<std::string>& optional) {
  std::vector<std::string> known = tables;
  known.insert(known.end(), optional.begin(), optional.end());
  for (const auto& [k, node] : root) {
    std::string key(k.str());
    if (std::find(known.begin(), known.end(), key) == known.end())
      fail("{}: {}: unknown table or top-level key (expected tables: {})", file, key, join(known));
    if (!node.is_table())
      fail("{}: {}: expected a table [{}], got {}", file, key, key, type_name(node));
  }
  for (const auto& t : tables)
    if (!root.contains(t)) fail("{}: missing table [{}]", file, t);
}

}  // namespace npulab::arch
