#include "llm/weights.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>

#include "common/checked.h"
#include "common/error.h"
#include "numerics/dtype.h"
#include "llm/model_config.h"
#include "llm/weights_store.h"

namespace npulab::llm {

const char* wdtype_name(WDType t) {
  switch (t) {
    case WDType::F32: return "F32";
    case WDType::F16: return "F16";
    case WDType::BF16: return "BF16";
    case WDType::Q8_0: return "Q8_0";
  }
  return "?";
}

int64_t wdtype_nbytes(WDType t, const std::vector<int64_t>& shape) {
  // Every dim must be sane and the product of the non-zero dims bounded too, so that
  // row/element counts cannot overflow even when another dim is 0.
  int64_t n = 1, nonzero = 1;
  for (int64_t d : shape) {
    if (d < 0 || d > kMaxDim) return -1;
    if (d != 0) {
      const auto m = mul_exact<int64_t>(nonzero, d);
      if (!m || *m > kMaxElements) return -1;
      nonzero = *m;
    }
    n *= d;  // <= nonzero
  }
  switch (t) {
    case WDType::F32: return n * 4;
    case WDType::F16:
    case WDType::BF16: return n * 2;
    case WDType::Q8_0: {
      const int64_t inner = shape.empty() ? 1 : shape.back();
      if (inner % kQ8BlockSize != 0) return -1;
      return n / kQ8BlockSize * kQ8BlockBytes;
    }
  }
  return -1;
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}
int64_t TensorView::cols() const { return shape.empty() ? 1 : shape.back(); }
int64_t TensorView::rows() const {
  int64_t n = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i) n *= shape[i];
  return n;
}

void TensorView::row_to_f32(int64_t r, float* out) const {
  const int64_t n = cols();
  switch (dtype) {
    case WDType::F32:
      std::memcpy(out, data + r * n * 4, size_t(n) * 4);
      return;
    case WDType::F16:  // widening is exact (numerics quiets signalling NaNs, as F16C does)
      convert_to_f32(DType::F16, data + r * n * 2, out, size_t(n));
      return;
    case WDType::BF16:
      convert_to_f32(DType::BF16, data + r * n * 2, out, size_t(n));
      return;
    case WDType::Q8_0: {
      const int64_t blocks = n / kQ8BlockSize;
      const std::byte* p = data + r * blocks * kQ8BlockBytes;
      for (int64_t b = 0; b < blocks; ++b, p += kQ8BlockBytes) {
        uint16_t dbits;
        std::memcpy(&dbits, p, 2);
        const float d = f16_to_f32(dbits);
        const auto* q = reinterpret_cast<const int8_t*>(p + 2);
        for (int64_t i = 0; i < kQ8BlockSize; ++i) out[b * kQ8BlockSize + i] = d * float(q[i]);
      }
      return;
    }
  }
}

std::vector<float> TensorView::to_f32() const {
  std::vector<float> out(static_cast<size_t>(numel()));
  if (out.empty()) return out;  // a 0 dim: rows() may still be large
  const int64_t n = cols();
  for (int64_t r = 0; r < rows(); ++r) row_to_f32(r, out.data() + r * n);
  return out;
}

const TensorView& Weights::get(const std::string& name) const {
  const TensorView* v = find(name);
  if (!v) fail("{}: missing tensor '{}'", source(), name);
  return *v;
}

std::string layer_tensor(int64_t layer, const char* suffix) {
  return fmt::format("layers.{}.{}", layer, suffix);
}

std::string expert_tensor(int64_t layer, int64_t expert, const char* w) {
  return fmt::format("layers.{}.ffn.experts.{}.{}", layer, expert, w);
}

void check_weights_against_config(const Weights& w, const ModelConfig& c) {
  auto expect = [&](const std::string& name, std::vector<int64_t> shape) {
    const TensorView& t = w.get(name);
    if (t.shape != shape)
      fail("{}: tensor '{}' has shape [{}], config implies [{}]", w.source(), name,
           fmt::join(t.shape, ", "), fmt::join(shape, ", "));
  };
  expect("tok_embeddings", {c.vocab_size, c.dim});
  expect("norm", {c.dim});
  if (c.tied_embeddings) {
    if (w.find("output"))
      fail("{}: config says tied embeddings but tensor 'output' is present", w.source());
  } else {
    expect("output", {c.vocab_size, c.dim});
  }
  for (int64_t l = 0; l < c.n_layers; ++l) {
    auto L = [&](const char* s) { return layer_tensor(l, s); };
    expect(L("attn_norm"), {c.dim});
    expect(L("ffn_norm"), {c.dim});
    expect(L("attn.wq"), {c.q_dim(), c.dim});
    expect(L("attn.wk"), {c.kv_dim(), c.dim});
    expect(L("attn.wv"), {c.kv_dim(), c.dim});
    expect(L("attn.wo"), {c.dim, c.q_dim()});
    if (c.qkv_bias) {
      expect(L("attn.bq"), {c.q_dim()});
      expect(L("attn.bk"), {c.kv_dim()});
      expect(L("attn.bv"), {c.kv_dim()});
    } else {
      for (const char* b : {"attn.bq", "attn.bk", "attn.bv"})
        if (w.find(L(b)))
          fail("{}: tensor '{}' present but the config has no QKV bias", w.source(), L(b));
    }
    if (c.is_moe()) {
      // Experts beyond the config's count would be silently unused: a config mismatch.
      const std::string extra = expert_tensor(l, c.n_experts, "w1");
      if (w.find(extra))
        fail("{}: tensor '{}' present but the config has {} experts per layer", w.source(), extra, c.n_experts);
      expect(L("ffn.router"), {c.n_experts, c.dim});
      for (int64_t e = 0; e < c.n_experts; ++e) {
        expect(expert_tensor(l, e, "w1"), {c.hidden_dim, c.dim});
        expect(expert_tensor(l, e, "w2"), {c.dim, c.hidden_dim});
        expect(expert_tensor(l, e, "w3"), {c.hidden_dim, c.dim});
      }
    } else {
      if (w.find(L("ffn.router")))
        fail("{}: tensor '{}' present but the config is a dense model (no experts)", w.source(), L("ffn.router"));
      expect(L("ffn.w1"), {c.hidden_dim, c.dim});
      expect(L("ffn.w2"), {c.dim, c.hidden_dim});
      expect(L("ffn.w3"), {c.hidden_dim, c.dim});
    }
  }
}

// --- WeightStore ---

const TensorView* WeightStore::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

std::vector<std::string> WeightStore::names() const {
  std::vector<std::string> out;
  out.reserve(tensors_.size());
  for (const auto& [k, v] : tensors_) out.push_back(k);
  return out;
}

const MappedFile& WeightStore::keep(std::shared_ptr<MappedFile> f) {
  files_.push_back(std::move(f));
  return *files_.back();
}

void WeightStore::add(TensorView v) {
  std::string key = v.name;
  if (!tensors_.emplace(key, std::move(v)).second)
    fail("{}: tensor '{}' appears twice", source_, key);
}

}  // namespace npulab::llm
