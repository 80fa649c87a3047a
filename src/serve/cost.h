// What a serving run costs and the energy it takes (docs/COST.md). The price is an
// instance's price per hour at a chosen basis (arch/instance.h), scaled to the share of the
// instance's devices the run uses, or one the user gives; the cost per 1M tokens follows the
// Neuron performance pages' formula, (1e6 / tokens_per_second) x (usd_per_hour / 3600), and
// is always labelled with the tokens it counts (output only, input plus output, or the
// output tokens of requests that met every SLO) and the price basis. Energy comes from the
// devices' busy and idle power and the run's modelled utilisation: the share of its
// duration in which engine steps run (the performance model's step times).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "arch/instance.h"
#include "serve/metrics.h"

namespace npulab::serve {

// The price a run pays per hour, for the devices it uses.
struct RunPrice {
  double usd_per_hour = 0;
  std::string basis;  // "capacity block", "on-demand", "reserved", "owner's TCO", "user-supplied"
  std::string label;  // where it comes from, the share included
};

// The power of the devices a run uses.
struct RunPower {
  int64_t devices = 0;
  double busy_w = 0, idle_w = 0;  // per device
  bool estimated = false;         // either figure is not published
  std::string label;
};

// What the arithmetic reads from a run.
struct CostInputs {
  double duration_s = 0;
  double busy_s = 0;  // time engine steps ran (per replica: the mean over data-parallel replicas), at most duration_s
  int64_t input_tokens = 0, output_tokens = 0;  // of completed requests
  bool has_goodput = false;                     // SLOs were given
  int64_t good_output_tokens = 0;               // of requests meeting every SLO
};
CostInputs cost_inputs(const Summary& s, const EngineRun& run);

struct CostReport {
  double usd = 0;  // the run's cost: usd_per_hour x duration
  double usd_per_1m_output_tokens = 0, usd_per_1m_total_tokens = 0;
  std::optional<double> usd_per_1m_goodput_tokens;  // output tokens of requests meeting every SLO
  double utilisation = 0;                           // busy_s / duration_s
  // With power data only:
  std::optional<double> joules, mean_power_w, joules_per_output_token, joules_per_total_token,
      output_tok_s_per_mw, total_tok_s_per_mw;
};

// (1e6 / tokens_per_s) x (usd_per_hour / 3600); tokens_per_s must be > 0.
double usd_per_million_tokens(double usd_per_hour, double tokens_per_s);
// Energy of `devices` devices over a run: idle power throughout plus (busy - idle) while
// steps run, joules.
double run_energy_j(const RunPower& p, double duration_s, double busy_s);

// Throws npulab::Error for a run without tokens or duration (nothing to divide by).
CostReport compute_cost(const CostInputs& in, const RunPrice& price, const std::optional<RunPower>& power);

// `devices` of an instance's devices at `basis`: its price x devices / instance devices.
// nullopt when the instance lists no price at that basis.
std::optional<RunPrice> instance_price(const arch::Instance& in, arch::PriceBasis basis, int64_t devices);
std::optional<RunPower> instance_power(const arch::Instance& in, int64_t devices);
RunPrice user_price(double usd_per_hour, int64_t devices);

// The price and power of a run on `devices` devices of `device` (a chip or GPU name), from
// the instances holding that device on `path`: the first (in name order) with a price at
// `basis`, and its power (else the first instance's with power data). `why_no_price` says
// what is missing.
struct RunCostData {
  std::optional<RunPrice> price;
  std::string why_no_price;
  std::optional<RunPower> power;
};
RunCostData find_run_cost(const std::string& device, int64_t devices, arch::PriceBasis basis,
                          const arch::ChipSearchPath& path);

// A run priced for reports (`npulab bench`): the figures when a price was found, and the
// labels either way.
struct PricedRun {
  std::optional<CostReport> report;
  std::string basis, price_label, power_label;
  std::string missing;  // why there is no report
};
PricedRun price_run(const Summary& s, const EngineRun& run, const RunCostData& data);

}  // namespace npulab::serve
