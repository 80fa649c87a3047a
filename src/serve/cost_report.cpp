#include "serve/cost_report.h"

#include <fmt/format.h>

namespace npulab::serve {
namespace {

nlohmann::json opt(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

}  // namespace

std::string cost_text(const PricedRun& p) {
  std::string o = fmt::format("{:-^60}\n", " Cost and energy (docs/COST.md) ");
  auto line = [&](const std::string& k, const std::string& v) { o += fmt::format("{:<40} {}\n", k, v); };
  if (!p.report) {
    line("Price:", "none: " + p.missing);
    line("Power:", p.power_label);
    return o;
  }
  const CostReport& r = *p.report;
  line("Price basis:", p.basis);
  line("Price:", p.price_label);
  line(fmt::format("$ per 1M output tokens ({}):", p.basis), fmt::format("{:.4f}", r.usd_per_1m_output_tokens));
  line(fmt::format("$ per 1M input+output tokens ({}):", p.basis), fmt::format("{:.4f}", r.usd_per_1m_total_tokens));
  if (r.usd_per_1m_goodput_tokens)
    line("$ per 1M goodput tokens (output, SLOs met):", fmt::format("{:.4f}", *r.usd_per_1m_goodput_tokens));
  line("Utilisation (step time / duration):", fmt::format("{:.1f}%", 100 * r.utilisation));
  line("Power:", p.power_label);
  if (r.joules) {
    line("Energy per output token (J):", fmt::format("{:.3f}", *r.joules_per_output_token));
    line("Output tokens/s per MW:", fmt::format("{:.0f}", *r.output_tok_s_per_mw));
  }
  return o;
}

void add_cost_json(nlohmann::json& j, const PricedRun& p) {
  const std::optional<CostReport>& r = p.report;
  j["usd_per_1m_output_tokens"] = r ? nlohmann::json(r->usd_per_1m_output_tokens) : nlohmann::json(nullptr);
  j["usd_per_1m_total_tokens"] = r ? nlohmann::json(r->usd_per_1m_total_tokens) : nlohmann::json(nullptr);
  j["usd_per_1m_goodput_tokens"] = r ? opt(r->usd_per_1m_goodput_tokens) : nlohmann::json(nullptr);
  j["price_basis"] = r ? nlohmann::json(p.basis) : nlohmann::json(nullptr);
  j["price_source"] = r ? p.price_label : p.missing;
  j["utilisation"] = r ? nlohmann::json(r->utilisation) : nlohmann::json(nullptr);
  j["joules_per_output_token"] = r ? opt(r->joules_per_output_token) : nlohmann::json(nullptr);
  j["output_tok_s_per_mw"] = r ? opt(r->output_tok_s_per_mw) : nlohmann::json(nullptr);
  j["power_source"] = p.power_label;
}

}  // namespace npulab::serve
