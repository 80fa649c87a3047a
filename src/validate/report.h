// Running validation cases and reporting predicted against published: the signed error of
// every (case, metric), the median absolute error and the worst point per kind and overall,
// as a table, as JSON, and as the expected-error summary `npulab bench` quotes.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dist/comm.h"
#include "validate/case.h"

namespace npulab::validate {

struct Comparison {
  std::string case_id, kind, metric, system_kind;
  double measured = 0, predicted = 0;
  double error_pct = 0;  // (predicted - measured) / measured x 100
  bool fitted = false;   // a model parameter was fitted on this point (Case::fitted)
};

struct CaseResult {
  const Case* c = nullptr;
  Prediction prediction;
  std::vector<Comparison> rows;
  double host_s = 0;
};

struct ErrorStats {
  size_t points = 0, cases = 0;
  double median_abs_pct = 0;
  Comparison worst;  // the largest |error|
};
// Over `rows` (cases = distinct case ids).
ErrorStats error_stats(const std::vector<Comparison>& rows);

struct Report {
  std::vector<CaseResult> results;          // expressible cases, in load order
  std::vector<const Case*> not_expressible;
  std::vector<Comparison> rows() const;     // every comparison of every result
  std::vector<Comparison> independent_rows() const;  // those no parameter was fitted on
};

// Runs every expressible case of `cases` (the caller filters); progress goes to ctx.status.
// Over several ranks (`mpirun -n R npulab validate`) the expressible cases are dealt out
// round-robin - the kinds cluster in the case files and differ a thousandfold in cost, so
// dealing balances better than blocks - and rank 0 gets the whole report, in load order,
// the others an empty one.
Report run_cases(const std::vector<Case>& cases, const RunContext& ctx, dist::Comm& comm);

// The goal of issue 13: median |error| <= 15%, no point beyond 35%.
constexpr double kGoalMedianPct = 15, kGoalWorstPct = 35;

std::string report_text(const Report& r);
nlohmann::json report_json(const Report& r);
// Per system kind (npu, gpu) x metric family (ttft, tpot, throughput) of the serving cases:
// the median |error| of the independent points (none a parameter was fitted on), the number
// of cases and points, and the case ids; no date or commit,
// so the file changes only when the errors do.
nlohmann::json expected_errors(const Report& r);
// The family of a serving metric ("ttft", "tpot", "throughput"), "" for others.
std::string metric_family(const std::string& metric);

// One line per case for --list.
std::string case_list_text(const std::vector<Case>& cases);

}  // namespace npulab::validate
