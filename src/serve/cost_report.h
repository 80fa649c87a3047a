// The cost block of `npulab bench`'s terminal summary and the cost keys of its JSON
// (docs/COST.md): every $ figure with the tokens it counts and the price basis.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "serve/cost.h"

namespace npulab::serve {

std::string cost_text(const PricedRun& p);
// usd_per_1m_output_tokens, usd_per_1m_total_tokens, usd_per_1m_goodput_tokens, price_basis,
// price_source, utilisation, joules_per_output_token, output_tok_s_per_mw, power_source
// (null where there is no figure).
void add_cost_json(nlohmann::json& j, const PricedRun& p);

}  // namespace npulab::serve
