#include "llm/compile/ffn_block.h"

#include <algorithm>

#include "llm/compile/tp_reduce.h"

namespace npulab::llm::compile {

using isa::ActFunc;
using isa::AluOp;

void add_into_residual(KernelCtx& k, const Tile& x, uint64_t c0, uint32_t n, const Tile& acc) {
  k.b.tensor_tensor(x.cols(uint32_t(c0), n), x.cols(uint32_t(c0), n), acc, AluOp::add);
}

void emit_dense_ffn(KernelCtx& k, const ModelLayout& L, const std::vector<HbmTensor>& H, int64_t layer,
                    const LayerTiles& t) {
  Builder& b = k.b;
  const ModelConfig& c = L.config();
  const LayerSlots& ws = L.weight_slots_of_layer(layer);
  const uint32_t dim = uint32_t(c.dim), hid = uint32_t(c.hidden_dim), P = b.chip().tensor.rows;
  rmsnorm_T(k, t.xT, t.xn, t.xn2, t.x, H[size_t(ws.ffn_norm)], float(c.rms_eps));
  const uint32_t group = uint32_t(t.h1.free_elems());  // hidden columns per SwiGLU group
  for (uint32_t n0 = 0; n0 < hid; n0 += group) {
    const uint32_t g = std::min(group, hid - n0);
    project(k, t.xT, P, dim, H[size_t(ws.w1)], 0, n0, g, [&](uint64_t c0, uint32_t n, const Tile& acc) {
      b.activation(t.h1.cols(uint32_t(c0 - n0), n), acc, ActFunc::silu);
    });
    project(k, t.xT, P, dim, H[size_t(ws.w3)], 0, n0, g, [&](uint64_t c0, uint32_t n, const Tile& acc) {
      Tile h = t.h1.cols(uint32_t(c0 - n0), n);
      b.tensor_tensor(h, h, acc, AluOp::multiply);
    });
    transpose_to_chunks(k, t.gT.slice(0, n0 / P, (g + P - 1) / P), t.h1.cols(0, g), P);
  }
  project(k, t.gT, P, hid, H[size_t(ws.w2)], 0, 0, dim,
          [&](uint64_t c0, uint32_t n, const Tile& acc) { residual_add(k, t.x, c0, n, acc); });
  residual_reduce(k, t.x);
}

}  // namespace npulab::llm::compile
