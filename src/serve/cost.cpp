// Cost and energy of a serving run (serve/cost.h, docs/COST.md).
#include "serve/cost.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"

namespace npulab::serve {

CostInputs cost_inputs(const Summary& s, const EngineRun& run) {
  CostInputs in;
  in.duration_s = s.duration_s;
  // Every device of a replica is busy while its replica steps; data-parallel replicas step
  // independently, so the devices' mean busy time is the replicas' summed step time / N.
  for (const StepRecord& st : run.steps) in.busy_s += st.dur_s;
  in.busy_s = std::min(in.busy_s / double(std::max<int64_t>(1, run.replicas)), in.duration_s);
  in.input_tokens = s.input_tokens;
  in.output_tokens = s.output_tokens;
  in.has_goodput = s.has_goodput;
  in.good_output_tokens = s.good_output_tokens;
  return in;
}

double usd_per_million_tokens(double usd_per_hour, double tokens_per_s) {
  return (1e6 / tokens_per_s) * (usd_per_hour / 3600.0);
}

double run_energy_j(const RunPower& p, double duration_s, double busy_s) {
  return double(p.devices) * (p.idle_w * duration_s + (p.busy_w - p.idle_w) * busy_s);
}

CostReport compute_cost(const CostInputs& in, const RunPrice& price, const std::optional<RunPower>& power) {
  if (in.duration_s <= 0 || in.output_tokens <= 0)
    fail("cost: the run produced no output tokens in {} s: nothing to price", in.duration_s);
  CostReport r;
  const double d = in.duration_s;
  const double out = double(in.output_tokens), total = double(in.input_tokens + in.output_tokens);
  r.usd = price.usd_per_hour * d / 3600.0;
  r.usd_per_1m_output_tokens = usd_per_million_tokens(price.usd_per_hour, out / d);
  r.usd_per_1m_total_tokens = usd_per_million_tokens(price.usd_per_hour, total / d);
  if (in.has_goodput && in.good_output_tokens > 0)
    r.usd_per_1m_goodput_tokens = usd_per_million_tokens(price.usd_per_hour, double(in.good_output_tokens) / d);
  r.utilisation = std::clamp(in.busy_s / d, 0.0, 1.0);
  if (power) {
    const double j = run_energy_j(*power, d, std::clamp(in.busy_s, 0.0, d));
    r.joules = j;
    r.mean_power_w = j / d;
    r.joules_per_output_token = j / out;
    r.joules_per_total_token = j / total;
    // tokens/s per MW = (tokens / d) / (j / d / 1e6) = tokens x 1e6 / j
    r.output_tok_s_per_mw = out * 1e6 / j;
    r.total_tok_s_per_mw = total * 1e6 / j;
  }
  return r;
}

namespace {

// "1/16 of" for a share, "" for the whole instance, "2 x" beyond it.
std::string share_text(int64_t devices, uint32_t of) {
  if (devices == int64_t(of)) return "";
  return fmt::format("{}/{} of ", devices, of);
}

}  // namespace

std::optional<RunPrice> instance_price(const arch::Instance& in, arch::PriceBasis basis, int64_t devices) {
  const arch::Price* p = in.price(basis);
  if (!p) return std::nullopt;
  RunPrice r;
  r.usd_per_hour = p->usd_per_hour * double(devices) / double(in.devices);
  r.basis = std::string(arch::basis_label(basis));
  r.label = fmt::format("{}{} {} ${:.2f}/h ({}; {})", share_text(devices, in.devices), in.name, r.basis,
                        p->usd_per_hour, p->date, p->source);
  return r;
}

std::optional<RunPower> instance_power(const arch::Instance& in, int64_t devices) {
  if (!in.power) return std::nullopt;
  const arch::DevicePower& p = *in.power;
  RunPower r;
  r.devices = devices;
  r.busy_w = p.busy_w;
  r.idle_w = p.idle_w;
  r.estimated = p.busy_estimated || p.idle_estimated;
  r.label = fmt::format("{} x {} W busy{}, {} W idle{} ({})", devices, p.busy_w, p.busy_estimated ? " (estimate)" : "",
                        p.idle_w, p.idle_estimated ? " (estimate)" : "", in.name);
  return r;
}

RunPrice user_price(double usd_per_hour, int64_t devices) {
  if (!(usd_per_hour > 0)) fail("--price-per-hour: expected a price > 0 in USD per hour, got {}", usd_per_hour);
  return {usd_per_hour, "user-supplied", fmt::format("${:.2f}/h given for the run's {} device(s)", usd_per_hour, devices)};
}

RunCostData find_run_cost(const std::string& device, int64_t devices, arch::PriceBasis basis,
                          const arch::ChipSearchPath& path) {
  RunCostData out;
  std::vector<std::string> names;
  for (const arch::Instance& in : arch::instances_of_device(device, path)) {
    names.push_back(in.name);
    if (!out.price) {
      out.price = instance_price(in, basis, devices);
      // The priced instance's power first, so price and power describe the same machine.
      if (out.price && in.power) out.power = instance_power(in, devices);
    }
    if (!out.power) out.power = instance_power(in, devices);
  }
  if (!out.price)
    out.why_no_price = names.empty()
                           ? fmt::format("no instance holding {} on the search path (hw/instances/)", device)
                           : fmt::format("no {} price for {} (instances: {}); choose another --price-basis or give "
                                         "--price-per-hour",
                                         arch::basis_label(basis), device, fmt::join(names, ", "));
  return out;
}

PricedRun price_run(const Summary& s, const EngineRun& run, const RunCostData& data) {
  PricedRun p;
  p.power_label = data.power ? data.power->label : "not published (no energy figures)";
  if (!data.price) {
    p.missing = data.why_no_price;
    return p;
  }
  p.basis = data.price->basis;
  p.price_label = data.price->label;
  if (s.output_tokens <= 0 || s.duration_s <= 0) {
    p.missing = "the run produced no output tokens";
    return p;
  }
  p.report = compute_cost(cost_inputs(s, run), *data.price, data.power);
  return p;
}

}  // namespace npulab::serve
