#include "llm/compile/weight_writer.h"

#include <cmath>
#include <tuple>

#include "common/error.h"
#include "numerics/dtype.h"

namespace npulab::llm::compile {

namespace {

void write_converted(sim::Hbm& hbm, const HbmSlot& s, const std::vector<float>& v) {
  if (v.size() * dtype_size(s.dtype) != s.bytes())
    fail("internal: HBM tensor '{}' expects {} bytes, got {} values", s.name, s.bytes(), v.size());
  std::vector<uint8_t> bytes(s.bytes());
  convert_from_f32(s.dtype, v.data(), bytes.data(), v.size());
  hbm.write(s.offset, bytes.data(), bytes.size());
}

const TensorView& expect(const Weights& w, const std::string& name, int64_t rows, int64_t cols) {
  const TensorView& t = w.get(name);
  if (t.rows() != rows || t.cols() != cols)
    fail("{}: tensor '{}' has shape [{}, {}], the model config implies [{}, {}]", w.source(), name, t.rows(),
         t.cols(), rows, cols);
  return t;
}

// Fill columns [col0, col0 + t.rows()) of the row-major [t.cols(), ncols] matrix `dst`
// with t^T (checkpoint [out, in] -> chip [in, out]).
void put_transposed(const TensorView& t, std::vector<float>& dst, int64_t ncols, int64_t col0) {
  std::vector<float> row(size_t(t.cols()));
  for (int64_t j = 0; j < t.rows(); ++j) {
    t.row_to_f32(j, row.data());
    for (int64_t i = 0; i < t.cols(); ++i) dst[size_t(i * ncols + col0 + j)] = row[size_t(i)];
  }
}

std::vector<float> vec_f32(const Weights& w, const std::string& name, int64_t n) {
  const TensorView& t = w.get(name);
  if (t.numel() != n) fail("{}: tensor '{}' has {} values, expected {}", w.source(), name, t.numel(), n);
  return t.to_f32();
}

// MoE layer: the router [dim, experts] and each expert's W^T stacked along the outer dim.
void write_moe_layer(const ModelLayout& L, const Weights& w, sim::Hbm& hbm, int64_t l) {
  const ModelConfig& c = L.config();
  const LayerSlots& s = L.weight_slots_of_layer(l);
  const int64_t dim = c.dim, hid = c.hidden_dim, E = c.n_experts;
  std::vector<float> m(size_t(dim * E));
  put_transposed(expect(w, layer_tensor(l, "ffn.router"), E, dim), m, E, 0);
  write_converted(hbm, L.slot(s.router), m);
  for (const auto& [slot, name, rows, cols] : {std::tuple{s.w1e, "w1", hid, dim}, std::tuple{s.w3e, "w3", hid, dim},
                                               std::tuple{s.w2e, "w2", dim, hid}}) {
    m.assign(size_t(E * rows * cols), 0.0f);
    for (int64_t e = 0; e < E; ++e) {
      std::vector<float> one(size_t(rows * cols));
      put_transposed(expect(w, expert_tensor(l, e, name), rows, cols), one, rows, 0);
      std::copy(one.begin(), one.end(), m.begin() + e * rows * cols);
    }
    write_converted(hbm, L.slot(slot), m);
  }
}

}  // namespace

void rope_tables(const ModelLayout& L, std::vector<float>& cs, std::vector<float>& sn) {
  const std::vector<float> inv = rope_inv_freq(L.config());
  const int64_t half = L.config().head_dim / 2, ctx = L.max_context();
  cs.assign(size_t(ctx * half), 0.0f);
  sn.assign(size_t(ctx * half), 0.0f);
  for (int64_t p = 0; p < ctx; ++p)
    for (int64_t i = 0; i < half; ++i) {
      const float angle = float(p) * inv[size_t(i)];  // as the reference forward computes it
      cs[size_t(p * half + i)] = std::cos(angle);
      sn[size_t(p * half + i)] = std::sin(angle);
    }
}

void write_weights(const ModelLayout& L, const Weights& w, sim::Hbm& hbm) {
  if (L.aliased()) fail("model does not fit HBM: a capacity-ignoring layout cannot hold real weights");
  if (!hbm.has_data()) fail("internal: write_weights on a timing-only chip");
  const ModelConfig& c = L.config();
  const int64_t dim = c.dim, qd = c.q_dim(), kvd = c.kv_dim(), hid = c.hidden_dim, voc = c.vocab_size;
  const int64_t qkv = qd + 2 * kvd;
  {
    const TensorView& e = expect(w, "tok_embeddings", voc, dim);
    std::vector<float> v(size_t(voc * dim));
    for (int64_t r = 0; r < voc; ++r) e.row_to_f32(r, v.data() + r * dim);
    write_converted(hbm, L.slot(L.embed), v);
  }
  for (int64_t l = 0; l < c.n_layers; ++l) {
    const LayerSlots& s = L.weight_slots_of_layer(l);
    write_converted(hbm, L.slot(s.attn_norm), vec_f32(w, layer_tensor(l, "attn_norm"), dim));
    write_converted(hbm, L.slot(s.ffn_norm), vec_f32(w, layer_tensor(l, "ffn_norm"), dim));
    std::vector<float> m(size_t(dim * qkv));
    put_transposed(expect(w, layer_tensor(l, "attn.wq"), qd, dim), m, qkv, 0);
    put_transposed(expect(w, layer_tensor(l, "attn.wk"), kvd, dim), m, qkv, qd);
    put_transposed(expect(w, layer_tensor(l, "attn.wv"), kvd, dim), m, qkv, qd + kvd);
    write_converted(hbm, L.slot(s.wqkv), m);
    if (c.qkv_bias) {
      std::vector<float> bias = vec_f32(w, layer_tensor(l, "attn.bq"), qd);
      for (const char* n : {"attn.bk", "attn.bv"}) {
        std::vector<float> part = vec_f32(w, layer_tensor(l, n), kvd);
        bias.insert(bias.end(), part.begin(), part.end());
      }
      write_converted(hbm, L.slot(s.bqkv), bias);
    }
    m.assign(size_t(qd * dim), 0.0f);
    put_transposed(expect(w, layer_tensor(l, "attn.wo"), dim, qd), m, dim, 0);
    write_converted(hbm, L.slot(s.wo), m);
    if (c.is_moe()) {
      write_moe_layer(L, w, hbm, l);
      continue;
    }
    m.assign(size_t(dim * hid), 0.0f);
    put_transposed(expect(w, layer_tensor(l, "ffn.w1"), hid, dim), m, hid, 0);
    write_converted(hbm, L.slot(s.w1), m);
    put_transposed(expect(w, layer_tensor(l, "ffn.w3"), hid, dim), m, hid, 0);
    write_converted(hbm, L.slot(s.w3), m);
    m.assign(size_t(hid * dim), 0.0f);
    put_transposed(expect(w, layer_tensor(l, "ffn.w2"), dim, hid), m, dim, 0);
    write_converted(hbm, L.slot(s.w2), m);
  }
  write_converted(hbm, L.slot(L.final_norm), vec_f32(w, "norm", dim));
  {
    const TensorView* out = w.find("output");
    const TensorView& cls = out ? *out : w.get("tok_embeddings");
    if (!out && !c.tied_embeddings)
      fail("{}: tensor 'output' is missing and the config does not tie embeddings", w.source());
    std::vector<float> m(size_t(dim * voc));
    put_transposed(expect(w, cls.name, voc, dim), m, voc, 0);
    write_converted(hbm, L.slot(L.classifier), m);
  }
  std::vector<float> cs, sn;
  rope_tables(L, cs, sn);
  write_converted(hbm, L.slot(L.rope_cos), cs);
  write_converted(hbm, L.slot(L.rope_sin), sn);
}

}  // namespace npulab::llm::compile
