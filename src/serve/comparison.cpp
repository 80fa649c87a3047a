#include "serve/comparison.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "serve/interactivity.h"

namespace npulab::serve {
namespace {

std::string money(const std::optional<CostReport>& r, double CostReport::*field) {
  return r ? fmt::format("{:.4f}", (*r).*field) : "-";
}

std::string slo_text(const Slo& s) {
  std::string o;
  auto add = [&](const char* k, double v) {
    if (v > 0) o += fmt::format("{}{} <= {:g} ms", o.empty() ? "" : ", ", k, v);
  };
  add("TTFT", s.ttft_ms);
  add("TPOT", s.tpot_ms);
  add("E2E", s.e2e_ms);
  return o.empty() ? "none" : o;
}

}  // namespace

std::string comparison_table(const std::vector<BenchRun>& runs, double tok_s_per_user) {
  if (runs.empty()) return "";
  const RunInfo& first = runs.front().info;
  std::string o = fmt::format("\n{} {}, {} ({}; latencies in ms of simulated time)\n\n", first.model, first.dtype,
                              first.workload, first.mode);
  const bool slo = first.slo.ttft_ms > 0 || first.slo.tpot_ms > 0 || first.slo.e2e_ms > 0;
  o += fmt::format("{:<10} {:<13} {:<6} {:<16} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8}{}\n", "system",
                   "devices", "TPxDP", "run", "out tok/s", "per dev", "$/1M out", "$/1M all", "TTFT avg", "TTFT p99",
                   "TPOT avg", "TPOT p99", "J/token", slo ? fmt::format(" {:>9} {:>9}", "good %", "$/1M good") : "");
  for (const BenchRun& r : runs) {
    const Summary& s = r.summary;
    const std::optional<CostReport>& c = r.cost.report;
    const std::string joules = c && c->joules_per_output_token ? fmt::format("{:.3f}", *c->joules_per_output_token) : "-";
    o += fmt::format("{:<10} {:<13} {:<6} {:<16} {:>10.1f} {:>9.1f} {:>9} {:>9} {:>9.1f} {:>9.1f} {:>9.2f} {:>9.2f} {:>8}\n",
                     r.info.system, fmt::format("{} x {}", r.info.devices, r.info.device),
                     r.info.pp > 1 ? fmt::format("{}x{}x{}", r.info.tp, r.info.pp, r.info.dp)
                                   : fmt::format("{}x{}", r.info.tp, r.info.dp),
                     r.info.label,
                     s.output_tok_s, s.output_tok_s / double(std::max<int64_t>(1, r.info.devices)),
                     money(c, &CostReport::usd_per_1m_output_tokens), money(c, &CostReport::usd_per_1m_total_tokens),
                     s.ttft.mean, s.ttft.p99, s.tpot.mean, s.tpot.p99, joules);
    if (slo) {
      o.pop_back();
      const std::string good = c && c->usd_per_1m_goodput_tokens ? fmt::format("{:.4f}", *c->usd_per_1m_goodput_tokens) : "-";
      o += fmt::format(" {:>9.1f} {:>9}\n", s.completed ? 100.0 * double(s.good) / double(s.completed) : 0.0, good);
    }
  }
  if (tok_s_per_user > 0) {
    o += fmt::format("\nAt {:g} output tokens/s per user (mean TPOT {:.1f} ms), read off each system's Pareto front:\n",
                     tok_s_per_user, 1000.0 / tok_s_per_user);
    for (const SystemCurve& c : interactivity_curves(runs)) {
      const AtInteractivity a = at_interactivity(c, tok_s_per_user);
      if (!a.reached) {
        o += fmt::format("  {:<10} not reached: its most interactive run gives {:.1f} tok/s per user\n", c.system,
                         c.points.empty() ? 0.0 : c.points.back().tok_s_per_user);
        continue;
      }
      o += fmt::format("  {:<10} {}{:.1f} output tok/s per device, {} per 1M output tokens\n", c.system,
                       a.lower_bound ? ">= " : "", a.tok_s_per_device,
                       a.usd_per_1m_output_tokens ? fmt::format("{}${:.4f}", a.lower_bound ? "<= " : "",
                                                                *a.usd_per_1m_output_tokens)
                                                  : std::string("no price"));
    }
  }
  o += "\nTPxDP: tensor parallelism of one replica x data-parallel replicas (--dp; TPxPPxDP with --pp pipeline\n"
       "stages), requests routed to the replicas as a load balancer does (least outstanding requests unless\n"
       "--routing says otherwise); devices: all replicas'.\n";
  o += "out tok/s: output tokens per second of the whole run; per dev: per chip or GPU; $/1M out: per million output\n"
       "tokens, $/1M all: per million input plus output tokens (1e6 / tok/s x $ per hour / 3600); J/token: joules per\n"
       "output token from the devices' power and the modelled utilisation. TPOT excludes the first token (vLLM).\n";
  if (slo) o += "good %: requests meeting every SLO; $/1M good: per million output tokens of those requests.\n";
  o += fmt::format("SLOs: {}.\n", slo_text(first.slo));
  std::set<std::string> seen;
  for (const BenchRun& r : runs) {
    if (!seen.insert(r.info.system).second) continue;
    o += fmt::format("{}: {}\n", r.info.system, r.info.deployment);
    double lo = 1, hi = 0;
    for (const BenchRun& q : runs)
      if (q.info.system == r.info.system) lo = std::min(lo, q.info.comm_share), hi = std::max(hi, q.info.comm_share);
    if (hi > 0)
      o += fmt::format("  cross-chip communication: {:.1f}-{:.1f}% of the step time over the sweep (not overlapped)\n",
                       100 * lo, 100 * hi);
    if (r.cost.report) o += fmt::format("  price: {} ({})\n", r.cost.price_label, r.cost.basis);
    else o += fmt::format("  price: none ({})\n", r.cost.missing);
    o += fmt::format("  power: {}\n", r.cost.power_label);
    if (r.info.expected_errors.empty()) {
      o += "  expected error: no validation cases for this kind of system\n";
    } else {
      o += "  expected error (median |error| of npulab validate's cases, docs/VALIDATION.md):";
      for (const FigureError& e : r.info.expected_errors)
        o += fmt::format(" {} +-{:.0f}% ({} case{})", e.metric, e.median_abs_pct, e.cases, e.cases == 1 ? "" : "s");
      o += "\n";
    }
  }
  return o;
}

}  // namespace npulab::serve
