#include "llm/model_config.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "llm/architecture.h"

namespace npulab::llm {

const char* rope_convention_name(RopeConvention c) {
  return c == RopeConvention::Interleaved ? "interleaved" : "half-split";
}

bool ModelConfig::is_eos(int64_t tok) const {
  return std::find(eos_ids.begin(), eos_ids.end(), tok) != eos_ids.end();
}

int64_t ModelConfig::param_count() const {
  const int64_t attn = dim * q_dim() + 2 * dim * kv_dim() + q_dim() * dim +
                       (qkv_bias ? q_dim() + 2 * kv_dim() : 0);
  const int64_t ffn_one = 3 * dim * hidden_dim;
  const int64_t ffn = is_moe() ? n_experts * ffn_one + dim * n_experts : ffn_one;
  const int64_t per_layer = attn + ffn + 2 * dim;
  return vocab_size * dim * (tied_embeddings ? 1 : 2) + n_layers * per_layer + dim;
}

void ModelConfig::validate(const std::string& where) const {
  if (!find_architecture(arch))
    fail("{}: config 'arch' '{}' is not a known architecture (known: {})", where, arch, architecture_names());
  auto positive = [&](const char* key, int64_t v) {
    if (v <= 0) fail("{}: config '{}' must be > 0, got {}", where, key, v);
  };
  positive("dim", dim);
  positive("n_layers", n_layers);
  positive("n_heads", n_heads);
  positive("n_kv_heads", n_kv_heads);
  positive("head_dim", head_dim);
  positive("hidden_dim", hidden_dim);
  positive("vocab_size", vocab_size);
  positive("max_seq_len", max_seq_len);
  if (n_heads % n_kv_heads != 0)
    fail("{}: n_heads ({}) must be a multiple of n_kv_heads ({})", where, n_heads, n_kv_heads);
  if (head_dim % 2 != 0) fail("{}: head_dim must be even for RoPE, got {}", where, head_dim);
  if (!(rope_theta > 0)) fail("{}: rope_theta must be > 0, got {}", where, rope_theta);
  if (!(rms_eps > 0)) fail("{}: rms_eps must be > 0, got {}", where, rms_eps);
  if (!rope_freq_factors.empty() && int64_t(rope_freq_factors.size()) != head_dim / 2)
    fail("{}: rope_freq_factors has {} values, expected head_dim/2 = {}", where,
         rope_freq_factors.size(), head_dim / 2);
  if (rope_scaling.enabled) {
    if (!(rope_scaling.factor > 0) || rope_scaling.original_max_position <= 0 ||
        !(rope_scaling.high_freq_factor > rope_scaling.low_freq_factor))
      fail("{}: invalid llama3 rope_scaling (factor {}, low {}, high {}, original {})", where,
           rope_scaling.factor, rope_scaling.low_freq_factor, rope_scaling.high_freq_factor,
           rope_scaling.original_max_position);
  }
  if (is_moe() && (n_experts_per_tok <= 0 || n_experts_per_tok > n_experts))
    fail("{}: n_experts_per_tok must be in 1..{} , got {}", where, n_experts, n_experts_per_tok);
  if (bos_id < 0 || bos_id >= vocab_size)
    fail("{}: bos_id {} outside vocab of {}", where, bos_id, vocab_size);
  for (int64_t e : eos_ids)
    if (e < 0 || e >= vocab_size) fail("{}: eos id {} outside vocab of {}", where, e, vocab_size);
}

int64_t implied_head_dim(int64_t dim, int64_t n_heads, const std::string& where, const std::string& key) {
  if (n_heads <= 0) return 0;
  if (dim % n_heads != 0)
    fail("{}: the hidden size {} is not a multiple of the head count {} and the config gives no '{}' "
         "(head_dim would be {} / {}, not a whole number; state it explicitly)",
         where, dim, n_heads, key, dim, n_heads);
  return dim / n_heads;
}

std::vector<float> rope_inv_freq(const ModelConfig& c) {
  const int64_t half = c.head_dim / 2;
  std::vector<float> out(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i) {
    // Computed in FP32 like HF (base ** (arange(0, d, 2).float() / d)) and llama2.c (powf).
    const float expo = float(2 * i) / float(c.head_dim);
    float inv = 1.0f / std::pow(float(c.rope_theta), expo);
    if (!c.rope_freq_factors.empty()) {
      inv = inv / c.rope_freq_factors[size_t(i)];
    } else if (c.rope_scaling.enabled) {
      // HF transformers _compute_llama3_parameters, step for step.
      const auto& s = c.rope_scaling;
      const double old_ctx = double(s.original_max_position);
      const double low_wavelen = old_ctx / s.low_freq_factor;
      const double high_wavelen = old_ctx / s.high_freq_factor;
      const double wavelen = 2.0 * M_PI / double(inv);
      if (wavelen > low_wavelen) {
        inv = float(double(inv) / s.factor);
      } else if (wavelen >= high_wavelen) {
        const double smooth =
            (old_ctx / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
        inv = float((1.0 - smooth) * double(inv) / s.factor + smooth * double(inv));
      }
    }
    out[size_t(i)] = inv;
  }
  return out;
}

}  // namespace npulab::llm
