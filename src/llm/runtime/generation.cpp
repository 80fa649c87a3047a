#include "llm/runtime/generation.h"

#include <algorithm>

#include "common/error.h"

namespace npulab::llm::runtime {

namespace {
double host_of(const StepRecord& s) { return s.compile_host_s + s.sim_host_s; }
}  // namespace

GenerateResult generate(ModelRunner& r, const std::vector<int64_t>& prompt, const GenerateOptions& o) {
  if (!r.functional()) fail("generate: the runner is timing-only (use run_timing_only)");
  if (prompt.empty()) fail("generate: empty prompt");
  const ModelConfig& c = r.layout().config();
  if (int64_t(prompt.size()) > r.layout().max_context())
    fail("prompt of {} tokens is longer than the context length {} of model '{}'", prompt.size(),
         r.layout().max_context(), c.name);
  reference::Sampler sampler(o.sampling);
  GenerateResult g;
  const size_t first = r.steps().size();
  std::vector<float> logits = r.prefill(prompt);
  for (size_t i = first; i < r.steps().size(); ++i) {
    g.ttft_ns += r.steps()[i].sim_ns;
    g.prefill_host_s += host_of(r.steps()[i]);
  }
  const int64_t vocab = c.vocab_size;
  for (int64_t n = 0; n < o.max_tokens; ++n) {
    const int64_t tok = sampler.sample(std::span<const float>(logits.data(), size_t(vocab)));
    g.tokens.push_back(tok);
    if (o.on_token) o.on_token(tok);
    if ((o.stop_on_eos && c.is_eos(tok)) || n + 1 == o.max_tokens) break;
    if (r.position() >= r.layout().max_context()) break;  // context full: stop cleanly
    logits = r.decode({tok});
    g.tpot_ns.push_back(r.steps().back().sim_ns);
    g.decode_host_s += host_of(r.steps().back());
  }
  return g;
}

TimingResult run_timing_only(ModelRunner& r, const TimingRunOptions& o) {
  if (o.prompt_len < 1) fail("--prompt-len must be at least 1");
  if (o.max_tokens < 1) fail("--max-tokens must be at least 1");
  const int64_t ctx = r.layout().max_context(), B = r.layout().options().batch;
  if (o.prompt_len + o.max_tokens - 1 > ctx)
    fail("prompt of {} tokens + {} generated exceeds the context length {}", o.prompt_len, o.max_tokens, ctx);
  TimingResult t;
  const int64_t bos = r.layout().config().bos_id;
  if (o.simulate_prefill) {
    const size_t first = r.steps().size();
    r.prefill(std::vector<int64_t>(size_t(o.prompt_len), bos), 0);
    for (size_t i = first; i < r.steps().size(); ++i) {
      t.ttft_ns += r.steps()[i].sim_ns;
      t.prefill_host_s += host_of(r.steps()[i]);
    }
  }
  // The first token comes from the prefill; max_tokens - 1 decode steps follow.
  const int64_t steps = o.max_tokens - 1;
  t.tpot_ns.assign(size_t(steps), 0.0);
  t.simulated.assign(size_t(steps), false);
  if (steps == 0) return t;
  std::vector<int64_t> sample_steps;
  if (o.decode_samples <= 0 || o.decode_samples >= steps) {
    for (int64_t s = 0; s < steps; ++s) sample_steps.push_back(s);
  } else {
    const int64_t n = std::max<int64_t>(2, o.decode_samples);
    for (int64_t i = 0; i < n; ++i) sample_steps.push_back(i * (steps - 1) / (n - 1));
    sample_steps.erase(std::unique(sample_steps.begin(), sample_steps.end()), sample_steps.end());
  }
  const std::vector<int64_t> toks(size_t(B), bos);
  for (int64_t s : sample_steps) {
    for (int64_t b = 0; b < B; ++b) r.set_position(b, o.prompt_len + s);
    r.decode(toks);
    t.tpot_ns[size_t(s)] = r.steps().back().sim_ns;
    t.simulated[size_t(s)] = true;
    t.decode_host_s += host_of(r.steps().back());
    ++t.decode_steps_simulated;
  }
  for (size_t i = 1; i < sample_steps.size(); ++i) {  // linear in the context length between samples
    const int64_t a = sample_steps[i - 1], b = sample_steps[i];
    for (int64_t s = a + 1; s < b; ++s)
      t.tpot_ns[size_t(s)] = t.tpot_ns[size_t(a)] +
                             (t.tpot_ns[size_t(b)] - t.tpot_ns[size_t(a)]) * double(s - a) / double(b - a);
  }
  return t;
}

}  // namespace npulab::llm::runtime
