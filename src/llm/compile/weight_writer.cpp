#include "llm/compile/weight_writer.h"

#include <algorithm>
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

// A block of a checkpoint matrix [out, in]: rows (out features) [row0, row0 + nrows) x
// columns (in features) [in0, in0 + nin); a tensor-parallel rank's slice (tp_plan.h).
struct Block {
  int64_t row0 = 0, nrows = -1, in0 = 0, nin = -1;  // -1: all
};

// Fill columns [col0, col0 + nrows) of the row-major [nin, ncols] matrix `dst` with the
// block's transpose (checkpoint [out, in] -> chip [in, out]).
void put_transposed(const TensorView& t, std::vector<float>& dst, int64_t ncols, int64_t col0, Block b = {}) {
  const int64_t nrows = b.nrows < 0 ? t.rows() : b.nrows, nin = b.nin < 0 ? t.cols() : b.nin;
  std::vector<float> row(size_t(t.cols()));
  for (int64_t j = 0; j < nrows; ++j) {
    t.row_to_f32(b.row0 + j, row.data());
    for (int64_t i = 0; i < nin; ++i) dst[size_t(i * ncols + col0 + j)] = row[size_t(b.in0 + i)];
  }
}

// Values [v0, v0 + n) of a vector tensor.
std::vector<float> vec_part(const std::vector<float>& v, int64_t v0, int64_t n) {
  return {v.begin() + v0, v.begin() + v0 + n};
}

std::vector<float> vec_f32(const Weights& w, const std::string& name, int64_t n) {
  const TensorView& t = w.get(name);
  if (t.numel() != n) fail("{}: tensor '{}' has {} values, expected {}", w.source(), name, t.numel(), n);
  return t.to_f32();
}

// A norm vector in its slot's feature-major layout [rows, cols]: [p, c] = v[c*rows + p],
// zero past the end (model_layout.cpp).
std::vector<float> feature_major(const HbmSlot& s, const std::vector<float>& v) {
  const uint64_t rows = s.shape.at(0), cols = s.shape.at(1);
  std::vector<float> out(size_t(rows * cols), 0.0f);
  for (uint64_t p = 0; p < rows; ++p)
    for (uint64_t c = 0; c < cols && c * rows + p < v.size(); ++c) out[size_t(p * cols + c)] = v[size_t(c * rows + p)];
  return out;
}

void write_norm(sim::Hbm& hbm, const HbmSlot& s, const Weights& w, const std::string& name, int64_t dim) {
  write_converted(hbm, s, feature_major(s, vec_f32(w, name, dim)));
}

// MoE layer: the router [dim, experts] and each expert's W^T stacked along the outer dim.
// A tensor-parallel rank holds hidden columns [h0, h0 + hid) of every expert (tp_plan.h).
void write_moe_layer(const ModelLayout& L, const Weights& w, sim::Hbm& hbm, int64_t l) {
  const ModelConfig& c = L.config();
  const LayerSlots& s = L.weight_slots_of_layer(l);
  const int64_t dim = c.dim, hid = c.hidden_dim, E = c.n_experts, h0 = L.shard().hidden0;
  const int64_t full = L.model_config().hidden_dim;
  std::vector<float> m(size_t(dim * E));
  put_transposed(expect(w, layer_tensor(l, "ffn.router"), E, dim), m, E, 0);
  write_converted(hbm, L.slot(s.router), m);
  // (slot, name, checkpoint rows, checkpoint cols, the rank's block, chip columns)
  for (const auto& [slot, name, rows, cols, blk, ncols] :
       {std::tuple{s.w1e, "w1", full, dim, Block{h0, hid}, hid}, std::tuple{s.w3e, "w3", full, dim, Block{h0, hid}, hid},
        std::tuple{s.w2e, "w2", dim, full, Block{0, -1, h0, hid}, dim}}) {
    const int64_t one_n = hid * dim;
    m.assign(size_t(E * one_n), 0.0f);
    for (int64_t e = 0; e < E; ++e) {
      std::vector<float> one(static_cast<size_t>(one_n));
      put_transposed(expect(w, expert_tensor(l, e, name), rows, cols), one, ncols, 0, blk);
      std::copy(one.begin(), one.end(), m.begin() + e * one_n);
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
  // c: the slices this layout holds (tp_plan.h; the whole model on one core); m: the model.
  const ModelConfig &c = L.config(), &mc = L.model_config();
  const TpShard& sh = L.shard();
  const int64_t dim = c.dim, qd = c.q_dim(), kvd = c.kv_dim(), hid = c.hidden_dim, voc = c.vocab_size;
  const int64_t qkv = qd + 2 * kvd, hd = c.head_dim, q0 = sh.q_head0 * hd, k0 = sh.kv_head0 * hd;
  // Shared slots (embedding, RoPE tables) are written once, by rank 0.
  const bool own_shared = !L.slot(L.embed).shared || sh.rank == 0;
  if (own_shared) {
    const TensorView& e = expect(w, "tok_embeddings", voc, dim);
    std::vector<float> v(size_t(voc * dim));
    for (int64_t r = 0; r < voc; ++r) e.row_to_f32(r, v.data() + r * dim);
    write_converted(hbm, L.slot(L.embed), v);
  }
  for (int64_t l = 0; l < c.n_layers; ++l) {
    const LayerSlots& s = L.weight_slots_of_layer(l);
    write_norm(hbm, L.slot(s.attn_norm), w, layer_tensor(l, "attn_norm"), dim);
    write_norm(hbm, L.slot(s.ffn_norm), w, layer_tensor(l, "ffn_norm"), dim);
    std::vector<float> m(size_t(dim * qkv));
    put_transposed(expect(w, layer_tensor(l, "attn.wq"), mc.q_dim(), dim), m, qkv, 0, {q0, qd});
    put_transposed(expect(w, layer_tensor(l, "attn.wk"), mc.kv_dim(), dim), m, qkv, qd, {k0, kvd});
    put_transposed(expect(w, layer_tensor(l, "attn.wv"), mc.kv_dim(), dim), m, qkv, qd + kvd, {k0, kvd});
    if (sh.row_split()) {  // this core's columns of the logical core's fused QKV (tp_plan.h)
      const int64_t w_cols = qkv / sh.attn_subs, c0 = sh.attn_sub * w_cols;
      std::vector<float> part(size_t(dim * w_cols));
      for (int64_t r = 0; r < dim; ++r)
        std::copy_n(m.begin() + r * qkv + c0, w_cols, part.begin() + r * w_cols);
      m.swap(part);
    }
    write_converted(hbm, L.slot(s.wqkv), m);
    if (c.qkv_bias) {
      std::vector<float> bias = vec_part(vec_f32(w, layer_tensor(l, "attn.bq"), mc.q_dim()), q0, qd);
      for (const char* n : {"attn.bk", "attn.bv"}) {
        std::vector<float> part = vec_part(vec_f32(w, layer_tensor(l, n), mc.kv_dim()), k0, kvd);
        bias.insert(bias.end(), part.begin(), part.end());
      }
      write_converted(hbm, L.slot(s.bqkv), bias);
    }
    m.assign(size_t(qd * dim), 0.0f);
    put_transposed(expect(w, layer_tensor(l, "attn.wo"), dim, mc.q_dim()), m, dim, 0, {0, -1, q0, qd});
    write_converted(hbm, L.slot(s.wo), m);
    if (c.is_moe()) {
      write_moe_layer(L, w, hbm, l);
      continue;
    }
    m.assign(size_t(dim * hid), 0.0f);
    put_transposed(expect(w, layer_tensor(l, "ffn.w1"), mc.hidden_dim, dim), m, hid, 0, {sh.hidden0, hid});
    write_converted(hbm, L.slot(s.w1), m);
    put_transposed(expect(w, layer_tensor(l, "ffn.w3"), mc.hidden_dim, dim), m, hid, 0, {sh.hidden0, hid});
    write_converted(hbm, L.slot(s.w3), m);
    m.assign(size_t(hid * dim), 0.0f);
    put_transposed(expect(w, layer_tensor(l, "ffn.w2"), dim, mc.hidden_dim), m, dim, 0, {0, -1, sh.hidden0, hid});
    write_converted(hbm, L.slot(s.w2), m);
  }
  write_norm(hbm, L.slot(L.final_norm), w, "norm", dim);
  {
    const TensorView* out = w.find("output");
    const TensorView& cls = out ? *out : w.get("tok_embeddings");
    if (!out && !c.tied_embeddings)
      fail("{}: tensor 'output' is missing and the config does not tie embeddings", w.source());
    std::vector<float> m(size_t(dim * sh.vocab_n));
    put_transposed(expect(w, cls.name, voc, dim), m, sh.vocab_n, 0, {sh.vocab0, sh.vocab_n});
    write_converted(hbm, L.slot(L.classifier), m);
  }
  if (!own_shared) return;
  std::vector<float> cs, sn;
  rope_tables(L, cs, sn);
  write_converted(hbm, L.slot(L.rope_cos), cs);
  write_converted(hbm, L.slot(L.rope_sin), sn);
}

void write_weights(const TpLayout& L, const Weights& w, sim::Hbm& hbm) {
  for (int64_t r = 0; r < L.ranks(); ++r) write_weights(L.rank(r), w, hbm);
}

}  // namespace npulab::llm::compile
