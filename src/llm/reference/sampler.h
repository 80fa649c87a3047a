// Token sampling for generation: greedy, temperature, top-k, top-p (nucleus), with a
// fixed-seed RNG so runs are reproducible across machines and compilers.
#pragma once
#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <vector>

namespace npulab::llm::reference {

struct SamplingParams {
  float temperature = 0.0f;  // <= 0: greedy (argmax, lowest id on ties)
  int64_t top_k = 0;         // 0: no top-k cut
  float top_p = 1.0f;        // >= 1: no nucleus cut
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(SamplingParams p);
  int64_t sample(std::span<const float> logits);
  const SamplingParams& params() const { return p_; }

 private:
  // Uniform in [0, 1) from the top 53 bits of one mt19937_64 draw. Done by hand because
  // std::uniform_real_distribution's algorithm is implementation-defined, which would make
  // sampled sequences depend on the standard library.
  double uniform();
  SamplingParams p_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int64_t>> cand_;
};

int64_t argmax(std::span<const float> logits);

class ReferenceModel;
// Feeds `prompt` (must be non-empty), then samples up to `max_new_tokens` tokens, stopping
// after an EOS of the config or when the context is full. `on_token` (optional) sees each
// generated token. Returns the generated tokens (prompt excluded, the EOS included if
// produced). Throws npulab::Error if the prompt alone is longer than the context.
std::vector<int64_t> generate(ReferenceModel& model, const std::vector<int64_t>& prompt,
                              int64_t max_new_tokens, Sampler& sampler,
                              const std::function<void(int64_t)>& on_token = {});

}  // namespace npulab::llm::reference
