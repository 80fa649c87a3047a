#include "serve/workload.h"

#include <fmt/format.h>

#include <cmath>

#include "common/error.h"

namespace npulab::serve {

void Arrivals::validate() const {
  if (std::isnan(rate) || rate < 0) fail("--qps {}: expected a positive request rate", rate);
  if (!(burstiness > 0) || !std::isfinite(burstiness)) fail("--burstiness {}: expected a positive number", burstiness);
}

std::string Arrivals::describe() const {
  if (rate <= 0 || std::isinf(rate)) return "all at time 0";
  return fmt::format("{:g} req/s, {}", rate, burstiness == 1 ? std::string("Poisson")
                                                              : fmt::format("gamma gaps, burstiness {:g}", burstiness));
}

std::vector<double> arrival_times(int64_t n, const Arrivals& a, Rng& rng) {
  a.validate();
  std::vector<double> t(size_t(std::max<int64_t>(n, 0)), 0.0);
  if (a.rate <= 0 || std::isinf(a.rate)) return t;
  const double scale = 1.0 / (a.rate * a.burstiness);  // mean gap 1/rate
  for (size_t i = 1; i < t.size(); ++i) t[i] = t[i - 1] + rng.gamma(a.burstiness) * scale;
  return t;
}

void set_arrivals(std::vector<Request>& reqs, const Arrivals& arrivals, uint64_t seed) {
  Rng rng(seed ^ 0x61727269766c73ull);
  const std::vector<double> t = arrival_times(int64_t(reqs.size()), arrivals, rng);
  for (size_t i = 0; i < reqs.size(); ++i) reqs[i].arrival_s = t[i];
}

std::vector<Request> synthetic_workload(const SyntheticSpec& s, const Arrivals& arrivals) {
  if (s.requests < 1) fail("--requests {}: expected at least 1", s.requests);
  if (s.shared_prefix < 0) fail("--prefix-len {}: expected >= 0", s.shared_prefix);
  Rng rng(s.seed);
  std::vector<Request> reqs;
  reqs.reserve(size_t(s.requests));
  for (int64_t i = 0; i < s.requests; ++i) {
    Request r;
    r.id = i;
    const int64_t in = s.shared_prefix + s.input.sample(rng);
    r.max_tokens = s.output.sample(rng);
    r.seed = rng.next();
    r.prompt = PromptTokens::synthetic(in, r.seed, s.vocab, s.shared_prefix, s.seed ^ 0x707265666978ull);
    r.ignore_eos = s.ignore_eos;
    reqs.push_back(std::move(r));
  }
  set_arrivals(reqs, arrivals, s.seed);
  return reqs;
}

const std::vector<Preset>& presets() {
  // InferenceMAX's ISL/OSL pairs with its random range ratio 0.8: lengths uniform in
  // [0.8 L, L] (docs/REFERENCES.md, "Serving workloads").
  static const std::vector<Preset> p = {
      {"1k/1k", "chat: 1024 in, 1024 out", "InferenceMAX", LengthDist::uniform(819, 1024),
       LengthDist::uniform(819, 1024)},
      {"1k/8k", "reasoning: 1024 in, 8192 out", "InferenceMAX", LengthDist::uniform(819, 1024),
       LengthDist::uniform(6553, 8192)},
      {"8k/1k", "summarization: 8192 in, 1024 out", "InferenceMAX", LengthDist::uniform(6553, 8192),
       LengthDist::uniform(819, 1024)},
      // optimum-neuron's guidellm sweep of Llama-3.1-8B on one Trainium2 chip: prompt 1500
      // tokens (variance 150), 250 generated (variance 20), taken as normal standard deviations.
      {"guidellm-1500/250", "optimum-neuron trn2 sweep: 1500 +- 150 in, 250 +- 20 out", "optimum-neuron",
       {LengthDist::Kind::Normal, 1500, 150}, {LengthDist::Kind::Normal, 250, 20}},
  };
  return p;
}

const Preset& find_preset(const std::string& name) {
  std::string names;
  for (const Preset& p : presets()) {
    if (p.name == name) return p;
    names += (names.empty() ? "" : ", ") + p.name;
  }
  fail("--preset '{}': unknown (presets: {})", name, names);
}

}  // namespace npulab::serve
