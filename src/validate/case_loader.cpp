// Loading data/validation/*.toml: [[case]] tables, each with its [case.setup] read by the
// case's kind and its [case.measured] metrics checked against the kind's metric names.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/error.h"
#include "validate/case.h"
#include "validate/kinds.h"

namespace npulab::validate {

const std::vector<std::string>& trust_labels() {
  static const std::vector<std::string> t = {"M", "M-3p", "D", "T"};
  return t;
}

namespace {

// The setup as "key=value ..." in the file's order, for listings.
std::string one_line(const toml::table& t) {
  std::string s;
  for (const auto& [k, v] : t) {
    std::string val;
    if (v.is_string()) val = *v.value<std::string>();
    else if (v.is_integer()) val = fmt::format("{}", *v.value<int64_t>());
    else if (v.is_floating_point()) val = fmt::format("{:g}", *v.value<double>());
    else if (v.is_boolean()) val = *v.value<bool>() ? "true" : "false";
    else val = "...";
    s += fmt::format("{}{}={}", s.empty() ? "" : " ", k.str(), val);
  }
  return s;
}

const toml::table& sub_table(const toml::table& c, const std::string& prefix, const char* key) {
  const toml::node* n = c.get(key);
  if (!n) fail("{}: [case.{}] missing", prefix, key);
  if (!n->is_table()) fail("{}: {} must be a table ([case.{}])", prefix, key, key);
  return *n->as_table();
}

Case read_case(const toml::table& c, const std::string& file, size_t index) {
  Case k;
  k.file = file;
  {
    const toml::node* id = c.get("id");
    if (!id || !id->is_string() || id->value<std::string>()->empty())
      fail("{}: case #{}: id missing (expected a non-empty string)", file, index + 1);
    k.id = *id->value<std::string>();
  }
  const std::string prefix = fmt::format("{}: case '{}'", file, k.id);
  CaseReader r(prefix, "", c);
  r.string("id");
  for (char ch : k.id)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.' || ch == '_'))
      r.fail_at("id", fmt::format("'{}': expected letters, digits, '-', '.' or '_'", k.id));
  k.source = r.string("source");
  k.trust = r.choice("trust", trust_labels());
  k.kind = r.string("kind");
  const CaseKind* kind = find_case_kind(k.kind);
  if (!kind) {
    std::vector<std::string> names;
    for (const CaseKind& ck : case_kinds()) names.push_back(ck.name);
    r.fail_at("kind", fmt::format("unknown kind '{}' (known: {})", k.kind, fmt::join(names, ", ")));
  }
  k.tests = r.string("tests");
  k.not_modelled = r.opt_string("not_modelled").value_or("");
  k.expressible = r.opt_boolean("expressible").value_or(true);
  if (auto why = r.opt_string("reason")) k.reason = *why;
  if (!k.expressible && k.reason.empty()) r.fail_at("reason", "missing: a case with expressible = false says why");
  if (k.expressible && !k.reason.empty()) r.fail_at("reason", "given for an expressible case (only expressible = false cases have one)");
  if (const toml::node* f = c.get("fitted")) {
    const toml::array* a = f->as_array();
    if (!a) r.fail_at("fitted", "expected an array of metric names");
    for (const toml::node& m : *a) {
      if (!m.is_string()) r.fail_at("fitted", "expected an array of metric names (strings)");
      k.fitted.push_back(*m.value<std::string>());
    }
  }
  r.known_key("fitted");
  k.fitted_by = r.opt_string("fitted_by").value_or("");
  if (k.fitted.empty() != k.fitted_by.empty())
    r.fail_at(k.fitted.empty() ? "fitted_by" : "fitted", "fitted and fitted_by go together (the metrics and the parameter fitted on them)");
  r.known_key("setup");
  r.known_key("measured");
  r.finish();

  const toml::table& setup = sub_table(c, prefix, "setup");
  k.setup_text = one_line(setup);
  CaseReader sr(prefix, "setup", setup);
  CaseRun run = kind->parse(sr, k.expressible);
  sr.finish();
  if (k.expressible) k.run = std::move(run);

  const toml::table& measured = sub_table(c, prefix, "measured");
  CaseReader mr(prefix, "measured", measured);
  for (const auto& [key, v] : measured) {
    const std::string m(key.str());
    if (std::find(kind->metrics.begin(), kind->metrics.end(), m) == kind->metrics.end())
      mr.fail_at(m, fmt::format("not a metric of kind '{}' (its metrics: {})", k.kind, fmt::join(kind->metrics, ", ")));
    k.measured.push_back({m, mr.real(m, 1e-12, 1e15)});
  }
  for (const std::string& f : k.fitted)
    if (std::none_of(k.measured.begin(), k.measured.end(), [&](const Measured& m) { return m.metric == f; }))
      fail("{}: fitted: '{}' is not one of the case's measured metrics", prefix, f);
  if (k.measured.empty()) fail("{}: [case.measured] has no metric (expected at least one of {})", prefix, fmt::join(kind->metrics, ", "));
  return k;
}

}  // namespace

std::vector<Case> load_case_text(const std::string& text, const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    fail("{}:{}:{}: TOML syntax error: {}", source_name, e.source().begin.line, e.source().begin.column,
         e.description());
  }
  for (const auto& [k, v] : root)
    if (k.str() != "case") fail("{}: unknown top-level key '{}' (a case file holds [[case]] tables only)", source_name, k.str());
  const toml::node* cases = root.get("case");
  if (!cases || !cases->is_array_of_tables()) fail("{}: no [[case]] tables", source_name);
  std::vector<Case> out;
  std::set<std::string> ids;
  size_t i = 0;
  for (const toml::node& c : *cases->as_array()) {
    Case k = read_case(*c.as_table(), source_name, i++);
    if (!ids.insert(k.id).second) fail("{}: case '{}': id used twice", source_name, k.id);
    out.push_back(std::move(k));
  }
  return out;
}

std::vector<Case> load_case_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open validation case file", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return load_case_text(ss.str(), path);
}

std::vector<Case> load_cases(const std::string& file_or_dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  if (fs::is_directory(file_or_dir)) {
    for (const auto& e : fs::directory_iterator(file_or_dir))
      if (e.is_regular_file() && e.path().extension() == ".toml") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) fail("{}: no *.toml validation case files", file_or_dir);
  } else {
    files.push_back(file_or_dir);
  }
  std::vector<Case> all;
  std::map<std::string, std::string> where;
  for (const std::string& f : files)
    for (Case& c : load_case_file(f)) {
      if (auto [it, fresh] = where.emplace(c.id, f); !fresh)
        fail("{}: case '{}': id already used in {}", f, c.id, it->second);
      all.push_back(std::move(c));
    }
  return all;
}

std::string default_case_dir(const arch::ChipSearchPath& path) {
  namespace fs = std::filesystem;
  for (const auto& d : path.dirs) {
    std::error_code ec;
    const fs::path hw = fs::canonical(d.path, ec);
    if (ec) continue;
    const fs::path cases = hw.parent_path() / "data" / "validation";
    if (fs::is_directory(cases, ec)) return cases.string();
  }
  fail("no data/validation directory beside any hw directory ({}): give --cases DIR", path.describe());
}

}  // namespace npulab::validate
