#include "llm/reference/forward.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "llm/reference/moe_routing.h"

namespace npulab::llm::reference {

void rmsnorm(float* out, const float* x, const float* w, int64_t n, float eps) {
  float ss = 0.0f;
  for (int64_t i = 0; i < n; ++i) ss += x[i] * x[i];
  const float scale = 1.0f / std::sqrt(ss / float(n) + eps);
  for (int64_t i = 0; i < n; ++i) out[i] = w[i] * (scale * x[i]);
}

void softmax(float* x, int64_t n) {
  const float mx = *std::max_element(x, x + n);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - mx);
    sum += x[i];
  }
  for (int64_t i = 0; i < n; ++i) x[i] /= sum;
}

ReferenceModel::ReferenceModel(const ModelConfig& config, const Weights& w, int64_t max_context)
    : cfg_(config) {
  cfg_.validate(w.source());
  check_weights_against_config(w, cfg_);
  max_ctx_ = max_context > 0 ? std::min(max_context, cfg_.max_seq_len) : cfg_.max_seq_len;
  embed_ = &w.get("tok_embeddings");
  classifier_ = cfg_.tied_embeddings ? embed_ : &w.get("output");
  final_norm_ = w.get("norm").to_f32();
  inv_freq_ = rope_inv_freq(cfg_);
  for (int64_t l = 0; l < cfg_.n_layers; ++l) {
    auto T = [&](const char* s) { return &w.get(layer_tensor(l, s)); };
    Layer L{T("attn.wq"), T("attn.wk"), T("attn.wv"), T("attn.wo"), {}, nullptr, {}, {}, {}, {}, {}, {}};
    if (cfg_.is_moe()) {
      L.router = T("ffn.router");
      for (int64_t e = 0; e < cfg_.n_experts; ++e) {
        auto X = [&](const char* s) { return &w.get(expert_tensor(l, e, s)); };
        L.experts.push_back({X("w1"), X("w2"), X("w3")});
      }
    } else {
      L.ffn = {T("ffn.w1"), T("ffn.w2"), T("ffn.w3")};
    }
    L.attn_norm = T("attn_norm")->to_f32();
    L.ffn_norm = T("ffn_norm")->to_f32();
    if (cfg_.qkv_bias) {
      L.bq = T("attn.bq")->to_f32();
      L.bk = T("attn.bk")->to_f32();
      L.bv = T("attn.bv")->to_f32();
    }
    layers_.push_back(std::move(L));
  }
  const size_t cache = size_t(cfg_.n_layers * max_ctx_ * cfg_.kv_dim());
  key_cache_.assign(cache, 0.0f);
  value_cache_.assign(cache, 0.0f);
  x_.resize(size_t(cfg_.dim));
  xb_.resize(size_t(std::max(cfg_.dim, cfg_.q_dim())));
  q_.resize(size_t(cfg_.q_dim()));
  k_.resize(size_t(cfg_.kv_dim()));
  v_.resize(size_t(cfg_.kv_dim()));
  att_out_.resize(size_t(cfg_.q_dim()));
  h1_.resize(size_t(cfg_.hidden_dim));
  h3_.resize(size_t(cfg_.hidden_dim));
  scores_.resize(size_t(max_ctx_));
  logits_.resize(size_t(cfg_.vocab_size));
  row_.resize(size_t(std::max({cfg_.dim, cfg_.hidden_dim, cfg_.q_dim()})));
  ffn_out_.resize(size_t(cfg_.dim));
  moe_out_.resize(size_t(cfg_.dim));
  router_.resize(size_t(std::max<int64_t>(1, cfg_.n_experts)));
}

void ReferenceModel::swiglu(const Expert& e, const float* x, float* out) {
  matvec(*e.w1, x, h1_.data());
  matvec(*e.w3, x, h3_.data());
  for (int64_t i = 0; i < cfg_.hidden_dim; ++i) {
    const float g = h1_[size_t(i)];
    h1_[size_t(i)] = g / (1.0f + std::exp(-g)) * h3_[size_t(i)];  // SiLU(gate) * up
  }
  matvec(*e.w2, h1_.data(), out);
}

// out[r] = sum_i w[r, i] * x[i]; FP32 rows are read in place, others widened per row.
void ReferenceModel::matvec(const TensorView& w, const float* x, float* out) {
  const int64_t n = w.cols(), rows = w.rows();
  // FP32 rows are used in place when aligned (safetensors data may start at any offset).
  const bool direct = w.dtype == WDType::F32 && reinterpret_cast<uintptr_t>(w.data) % 4 == 0;
  const float* fw = direct ? reinterpret_cast<const float*>(w.data) : nullptr;
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = fw ? fw + r * n : (w.row_to_f32(r, row_.data()), row_.data());
    float acc = 0.0f;
    for (int64_t i = 0; i < n; ++i) acc += row[i] * x[i];
    out[r] = acc;
  }
}

void ReferenceModel::rope(float* vec, int64_t n_heads, int64_t pos) const {
  const int64_t hd = cfg_.head_dim, half = hd / 2;
  const bool interleaved = cfg_.rope_convention == RopeConvention::Interleaved;
  for (int64_t i = 0; i < half; ++i) {
    const float angle = float(pos) * inv_freq_[size_t(i)];
    const float c = std::cos(angle), s = std::sin(angle);
    for (int64_t h = 0; h < n_heads; ++h) {
      float* head = vec + h * hd;
      float* a = interleaved ? head + 2 * i : head + i;
      float* b = interleaved ? head + 2 * i + 1 : head + i + half;
      const float x0 = *a, x1 = *b;
      *a = x0 * c - x1 * s;
      *b = x1 * c + x0 * s;
    }
  }
}

std::span<const float> ReferenceModel::forward(int64_t token, int64_t pos) {
  if (token < 0 || token >= cfg_.vocab_size)
    fail("reference forward: token {} outside vocab of {}", token, cfg_.vocab_size);
  if (pos != next_pos_)
    fail("reference forward: position {} fed out of order (expected {})", pos, next_pos_);
  if (pos >= max_ctx_)
    fail("reference forward: position {} exceeds the context length {}", pos, max_ctx_);
  const int64_t D = cfg_.dim, KV = cfg_.kv_dim(), hd = cfg_.head_dim;
  const int64_t group = cfg_.n_heads / cfg_.n_kv_heads;
  const float eps = float(cfg_.rms_eps);
  const float scale = 1.0f / std::sqrt(float(hd));
  // Sliding-window attention (Mistral): attend to the last `sliding_window` positions.
  const int64_t first =
      cfg_.sliding_window > 0 ? std::max<int64_t>(0, pos - cfg_.sliding_window + 1) : 0;
  embed_->row_to_f32(token, x_.data());

  for (int64_t l = 0; l < cfg_.n_layers; ++l) {
    const Layer& L = layers_[size_t(l)];
    rmsnorm(xb_.data(), x_.data(), L.attn_norm.data(), D, eps);
    matvec(*L.wq, xb_.data(), q_.data());
    matvec(*L.wk, xb_.data(), k_.data());
    matvec(*L.wv, xb_.data(), v_.data());
    if (cfg_.qkv_bias) {
      for (int64_t i = 0; i < cfg_.q_dim(); ++i) q_[size_t(i)] += L.bq[size_t(i)];
      for (int64_t i = 0; i < KV; ++i) k_[size_t(i)] += L.bk[size_t(i)];
      for (int64_t i = 0; i < KV; ++i) v_[size_t(i)] += L.bv[size_t(i)];
    }
    rope(q_.data(), cfg_.n_heads, pos);
    rope(k_.data(), cfg_.n_kv_heads, pos);
    float* kc = key_cache_.data() + l * max_ctx_ * KV;
    float* vc = value_cache_.data() + l * max_ctx_ * KV;
    std::copy(k_.begin(), k_.end(), kc + pos * KV);
    std::copy(v_.begin(), v_.end(), vc + pos * KV);

    for (int64_t h = 0; h < cfg_.n_heads; ++h) {
      const float* qh = q_.data() + h * hd;
      const int64_t kvh = h / group;  // GQA: `group` query heads share one KV head
      for (int64_t t = first; t <= pos; ++t) {
        const float* kt = kc + t * KV + kvh * hd;
        float dot = 0.0f;
        for (int64_t i = 0; i < hd; ++i) dot += qh[i] * kt[i];
        scores_[size_t(t - first)] = dot * scale;
      }
      softmax(scores_.data(), pos + 1 - first);
      float* out = att_out_.data() + h * hd;
      std::fill(out, out + hd, 0.0f);
      for (int64_t t = first; t <= pos; ++t) {
        const float* vt = vc + t * KV + kvh * hd;
        const float a = scores_[size_t(t - first)];
        for (int64_t i = 0; i < hd; ++i) out[i] += a * vt[i];
      }
    }
    matvec(*L.wo, att_out_.data(), xb_.data());
    for (int64_t i = 0; i < D; ++i) x_[size_t(i)] += xb_[size_t(i)];

    rmsnorm(xb_.data(), x_.data(), L.ffn_norm.data(), D, eps);
    if (cfg_.is_moe()) {
      // moe = sum over the routed experts, in expert order, of gate * expert(xb); x += moe.
      matvec(*L.router, xb_.data(), router_.data());
      std::fill(moe_out_.begin(), moe_out_.end(), 0.0f);
      for (const Route& r : route_token(router_.data(), cfg_.n_experts, cfg_.n_experts_per_tok)) {
        swiglu(L.experts[size_t(r.expert)], xb_.data(), ffn_out_.data());
        for (int64_t i = 0; i < D; ++i) moe_out_[size_t(i)] += r.gate * ffn_out_[size_t(i)];
      }
      for (int64_t i = 0; i < D; ++i) x_[size_t(i)] += moe_out_[size_t(i)];
    } else {
      swiglu(L.ffn, xb_.data(), ffn_out_.data());
      for (int64_t i = 0; i < D; ++i) x_[size_t(i)] += ffn_out_[size_t(i)];
    }
  }
  rmsnorm(x_.data(), x_.data(), final_norm_.data(), D, eps);
  matvec(*classifier_, x_.data(), logits_.data());
  next_pos_ = pos + 1;
  return logits_;
}

}  // namespace npulab::llm::reference
