#include "validate/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "common/error.h"
#include "dist/bytes.h"
#include "validate/kinds.h"

namespace npulab::validate {

ErrorStats error_stats(const std::vector<Comparison>& rows) {
  ErrorStats s;
  s.points = rows.size();
  if (rows.empty()) return s;
  std::vector<double> a;
  std::set<std::string> ids;
  for (const Comparison& c : rows) {
    a.push_back(std::fabs(c.error_pct));
    ids.insert(c.case_id);
    if (std::fabs(c.error_pct) >= std::fabs(s.worst.error_pct) || s.worst.case_id.empty()) s.worst = c;
  }
  s.cases = ids.size();
  std::sort(a.begin(), a.end());
  const size_t n = a.size();
  s.median_abs_pct = n % 2 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
  return s;
}

std::vector<Comparison> Report::independent_rows() const {
  std::vector<Comparison> out;
  for (const Comparison& c : rows())
    if (!c.fitted) out.push_back(c);
  return out;
}

std::vector<Comparison> Report::rows() const {
  std::vector<Comparison> out;
  for (const CaseResult& r : results) out.insert(out.end(), r.rows.begin(), r.rows.end());
  return out;
}

namespace {

void put_prediction(dist::ByteWriter& w, uint64_t index, const CaseResult& r) {
  w.put(index);
  w.put(r.host_s);
  w.put(r.prediction.system_kind);
  w.put(r.prediction.note);
  w.put(uint64_t(r.prediction.metrics.size()));
  for (const auto& [k, v] : r.prediction.metrics) {
    w.put(k);
    w.put(v);
  }
}

CaseResult get_prediction(dist::ByteReader& rd, uint64_t& index) {
  CaseResult r;
  index = rd.get<uint64_t>();
  r.host_s = rd.get<double>();
  r.prediction.system_kind = rd.get_string();
  r.prediction.note = rd.get_string();
  const uint64_t n = rd.get<uint64_t>();
  for (uint64_t i = 0; i < n; ++i) {
    std::string k = rd.get_string();
    r.prediction.metrics[k] = rd.get<double>();
  }
  return r;
}

// The comparison rows of a case's prediction.
void compare(const Case& c, CaseResult& r) {
  r.c = &c;
  for (const Measured& m : c.measured) {
    const auto it = r.prediction.metrics.find(m.metric);
    if (it == r.prediction.metrics.end())
      fail("{}: case '{}': kind '{}' predicted no '{}'", c.file, c.id, c.kind, m.metric);
    const bool fitted = std::find(c.fitted.begin(), c.fitted.end(), m.metric) != c.fitted.end();
    r.rows.push_back({c.id, c.kind, m.metric, r.prediction.system_kind, m.value, it->second,
                      (it->second - m.value) / m.value * 100.0, fitted});
  }
}

}  // namespace

Report run_cases(const std::vector<Case>& cases, const RunContext& ctx, dist::Comm& comm) {
  Report rep;
  std::vector<const Case*> run;
  for (const Case& c : cases) (c.expressible ? run.push_back(&c) : rep.not_expressible.push_back(&c));
  // This rank's cases: every size()-th from its rank on.
  dist::ByteWriter mine;
  for (size_t i = size_t(comm.rank()); i < run.size(); i += size_t(comm.size())) {
    const Case& c = *run[i];
    if (ctx.status) ctx.status(fmt::format("running {} ({})", c.id, c.kind));
    const auto t0 = std::chrono::steady_clock::now();
    CaseResult r;
    r.prediction = c.run(ctx);
    r.host_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    put_prediction(mine, i, r);
  }
  std::vector<std::optional<CaseResult>> got(run.size());
  for (const dist::Bytes& b : comm.gather(mine.take(), 0)) {
    dist::ByteReader rd(b);
    while (!rd.done()) {
      uint64_t i = 0;
      CaseResult r = get_prediction(rd, i);
      if (i >= run.size() || got[i]) fail("internal: rank results name case {} of {} twice or past the end", i, run.size());
      got[i] = std::move(r);
    }
  }
  if (!comm.root()) return {};
  for (size_t i = 0; i < run.size(); ++i) {
    if (!got[i]) fail("internal: case '{}' came back from no rank", run[i]->id);
    compare(*run[i], *got[i]);
    rep.results.push_back(std::move(*got[i]));
  }
  return rep;
}

namespace {

std::string num(double v) {
  if (v == 0) return "0";
  const double a = std::fabs(v);
  if (a >= 1e5) return fmt::format("{:.0f}", v);
  if (a >= 100) return fmt::format("{:.1f}", v);
  if (a >= 1) return fmt::format("{:.2f}", v);
  return fmt::format("{:.3g}", v);
}

std::string stats_line(const std::string& what, const ErrorStats& s) {
  if (s.points == 0) return fmt::format("{:<12} no points\n", what);
  return fmt::format("{:<12} {:>3} cases, {:>3} points: median |error| {:5.1f}%, worst {:+.1f}% ({} {})\n", what,
                     s.cases, s.points, s.median_abs_pct, s.worst.error_pct, s.worst.case_id, s.worst.metric);
}

}  // namespace

std::string report_text(const Report& r) {
  std::string out;
  size_t w = 4;
  for (const CaseResult& c : r.results) w = std::max(w, c.c->id.size());
  out += fmt::format("{:<{}}  {:<13} {:>12} {:>12} {:>9}\n", "case", w, "metric", "measured", "predicted", "error");
  for (const CaseResult& c : r.results)
    for (const Comparison& k : c.rows)
      out += fmt::format("{:<{}}  {:<13} {:>12} {:>12} {:>+8.1f}%{}\n", k.case_id, w, k.metric, num(k.measured),
                         num(k.predicted), k.error_pct, k.fitted ? "  (fitted: " + c.c->fitted_by + ")" : "");
  if (!r.not_expressible.empty()) {
    out += fmt::format("\n{} cases not expressible yet:\n", r.not_expressible.size());
    for (const Case* c : r.not_expressible) out += fmt::format("  {}: not expressible yet: {}\n", c->id, c->reason);
  }
  out += "\n";
  const std::vector<Comparison> all = r.rows();
  for (const CaseKind& k : case_kinds()) {
    std::vector<Comparison> rows;
    for (const Comparison& c : all)
      if (c.kind == k.name) rows.push_back(c);
    if (!rows.empty()) out += stats_line(k.name, error_stats(rows));
  }
  out += stats_line("overall", error_stats(all));
  const ErrorStats s = error_stats(r.independent_rows());
  out += stats_line("independent", s);
  out += fmt::format("  (independent: without the {} points a model parameter was fitted on)\n",
                     all.size() - s.points);
  out += fmt::format("{} cases run, {} not expressible yet (listed above, not counted)\n", r.results.size(),
                     r.not_expressible.size());
  if (s.points > 0)
    out += fmt::format("goal on the independent points (median |error| <= {:g}%, no point beyond {:g}%): {}\n", kGoalMedianPct, kGoalWorstPct,
                       s.median_abs_pct <= kGoalMedianPct && std::fabs(s.worst.error_pct) <= kGoalWorstPct
                           ? "met"
                           : "not met");
  return out;
}

namespace {

nlohmann::json stats_json(const ErrorStats& s) {
  nlohmann::json j = {{"cases", s.cases}, {"points", s.points}, {"median_abs_error_pct", s.median_abs_pct}};
  if (s.points > 0)
    j["worst"] = {{"case", s.worst.case_id}, {"metric", s.worst.metric}, {"error_pct", s.worst.error_pct}};
  return j;
}

}  // namespace

nlohmann::json report_json(const Report& r) {
  nlohmann::json j;
  j["cases"] = nlohmann::json::array();
  for (const CaseResult& c : r.results) {
    nlohmann::json cj = {{"id", c.c->id},          {"kind", c.c->kind},     {"source", c.c->source},
                         {"trust", c.c->trust},    {"file", std::filesystem::path(c.c->file).filename().string()},     {"setup", c.c->setup_text},
                         {"system_kind", c.prediction.system_kind},       {"run", c.prediction.note},
                         {"host_s", c.host_s},     {"metrics", nlohmann::json::array()}};
    for (const Comparison& k : c.rows)
      cj["metrics"].push_back(
          {{"metric", k.metric}, {"measured", k.measured}, {"predicted", k.predicted}, {"error_pct", k.error_pct},
           {"fitted", k.fitted}});
    j["cases"].push_back(cj);
  }
  j["not_expressible"] = nlohmann::json::array();
  for (const Case* c : r.not_expressible)
    j["not_expressible"].push_back({{"id", c->id}, {"kind", c->kind}, {"source", c->source}, {"reason", c->reason}});
  const std::vector<Comparison> all = r.rows();
  j["per_kind"] = nlohmann::json::object();
  for (const CaseKind& k : case_kinds()) {
    std::vector<Comparison> rows;
    for (const Comparison& c : all)
      if (c.kind == k.name) rows.push_back(c);
    if (!rows.empty()) j["per_kind"][k.name] = stats_json(error_stats(rows));
  }
  j["overall"] = stats_json(error_stats(all));
  j["independent"] = stats_json(error_stats(r.independent_rows()));
  j["goal"] = {{"median_abs_error_pct", kGoalMedianPct}, {"worst_abs_error_pct", kGoalWorstPct}};
  return j;
}

std::string metric_family(const std::string& metric) {
  if (metric.starts_with("ttft_ms.")) return "ttft";
  if (metric.starts_with("tpot_ms.") || metric.starts_with("itl_ms.")) return "tpot";
  if (metric == "output_tok_s" || metric == "total_tok_s" || metric == "request_s") return "throughput";
  return "";
}

nlohmann::json expected_errors(const Report& r) {
  std::map<std::string, std::map<std::string, std::vector<Comparison>>> groups;
  for (const Comparison& c : r.independent_rows()) {
    if (c.kind != "serving") continue;
    const std::string f = metric_family(c.metric);
    if (!f.empty()) groups[c.system_kind][f].push_back(c);
  }
  nlohmann::json j;
  j["about"] =
      "Written by `npulab validate --write-errors`: per system kind (npu = simulated chip, gpu = GPU model) and "
      "metric family, the median |predicted / measured - 1| over the serving cases of data/validation "
      "(the points no model parameter was fitted on) "
      "(docs/VALIDATION.md), for `npulab bench` to quote as the expected error of its figures.";
  j["errors"] = nlohmann::json::object();
  for (const auto& [sk, fams] : groups)
    for (const auto& [fam, rows] : fams) {
      const ErrorStats s = error_stats(rows);
      std::set<std::string> ids;
      for (const Comparison& c : rows) ids.insert(c.case_id);
      j["errors"][sk][fam] = {{"median_abs_error_pct", std::round(s.median_abs_pct * 10) / 10},
                              {"cases", s.cases},
                              {"points", s.points},
                              {"case_ids", std::vector<std::string>(ids.begin(), ids.end())}};
    }
  return j;
}

std::string case_list_text(const std::vector<Case>& cases) {
  std::string out;
  size_t w = 4;
  for (const Case& c : cases) w = std::max(w, c.id.size());
  for (const Case& c : cases) {
    std::vector<std::string> ms;
    for (const Measured& m : c.measured) ms.push_back(m.metric);
    out += fmt::format("{:<{}}  {:<10} {:<5} {:<16} {}{}\n", c.id, w, c.kind, c.trust, c.source, c.tests,
                       c.expressible ? "" : " [not expressible yet: " + c.reason + "]");
    out += fmt::format("{:<{}}  setup: {}; measured: {}\n", "", w, c.setup_text, fmt::join(ms, ", "));
  }
  return out;
}

}  // namespace npulab::validate
