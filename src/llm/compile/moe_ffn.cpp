#include "llm/compile/moe_ffn.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "llm/compile/tp_reduce.h"

namespace npulab::llm::compile {

using isa::ActFunc;
using isa::AluOp;

namespace {
constexpr uint32_t kMlpGroup = 2048;  // hidden columns per SwiGLU group (as ffn_block.cpp)

// One expert over all T rows of xT: x += gate_col * SwiGLU(xT) with the expert's weight
// rows starting at w_row0 (static) or chosen by k.dynamic_weight. The gate column [T, 1]
// scales h before W2 (rows with gate 0 add exactly 0). Accumulating straight into the
// residual (no [T, dim] MoE buffer) keeps 128-token prefill chunks within SBUF; the
// reference adds the expert sum to x at once, which differs only by FP32 rounding.
// `first`: the block's first expert pass (a tensor-parallel rank copies its partial sum
// instead of adding to it: tp_reduce.h).
void expert_pass(KernelCtx& k, const ModelLayout& L, const HbmTensor& w1, const HbmTensor& w3, const HbmTensor& w2,
                 uint64_t e_static, const LayerTiles& t, const Tile& gate, bool first) {
  Builder& b = k.b;
  const ModelConfig& c = L.config();
  const uint32_t dim = uint32_t(c.dim), hid = uint32_t(c.hidden_dim), P = b.chip().tensor.rows;
  for (uint32_t n0 = 0; n0 < hid; n0 += kMlpGroup) {
    const uint32_t g = std::min(kMlpGroup, hid - n0);
    project(k, t.xT, P, dim, w1, e_static * dim, n0, g, [&](uint64_t c0, uint32_t n, const Tile& acc) {
      b.activation(t.h1.cols(uint32_t(c0 - n0), n), acc, ActFunc::silu);
    });
    project(k, t.xT, P, dim, w3, e_static * dim, n0, g, [&](uint64_t c0, uint32_t n, const Tile& acc) {
      Tile h = t.h1.cols(uint32_t(c0 - n0), n);
      b.tensor_tensor(h, h, acc, AluOp::multiply);
    });
    b.tensor_scalar(t.h1.cols(0, g), t.h1.cols(0, g), AluOp::multiply, gate);
    transpose_to_chunks(k, t.gT.slice(0, n0 / P, (g + P - 1) / P), t.h1.cols(0, g), P);
  }
  project(k, t.gT, P, hid, w2, e_static * hid, 0, dim, [&](uint64_t c0, uint32_t n, const Tile& acc) {
    residual_add(k, t.x, c0, n, acc, first);
  });
}

}  // namespace

bool moe_per_token_dispatch(const ModelConfig& c, int64_t tokens) {
  return tokens * c.n_experts_per_tok < c.n_experts;
}

void emit_moe_ffn(KernelCtx& k, const ModelLayout& L, const std::vector<HbmTensor>& H, int64_t layer,
                  const LayerTiles& t) {
  Builder& b = k.b;
  const ModelConfig& c = L.config();
  const LayerSlots& ws = L.weight_slots_of_layer(layer);
  const uint32_t T = t.x.partitions(), dim = uint32_t(c.dim), hid = uint32_t(c.hidden_dim);
  const uint32_t E = uint32_t(c.n_experts), K = uint32_t(c.n_experts_per_tok), P = b.chip().tensor.rows;
  const uint32_t W = std::max<uint32_t>(E, 8);  // max8 needs >= 8 candidates: pad with -1
  rmsnorm_T(k, t.xT, t.xn, t.xn2, t.x, H[size_t(ws.ffn_norm)], float(c.rms_eps));

  // ---- routing: p = exp(logits - max) per token, top-k by max8/find_index8, gates.
  Tile logits = k.scratch("moe_logits", DType::F32, 128, E).parts(0, T).cols(0, E);
  project(k, t.xT, P, dim, H[size_t(ws.router)], 0, 0, E,
          [&](uint64_t c0, uint32_t n, const Tile& acc) { b.tensor_copy(logits.cols(uint32_t(c0), n), acc); });
  Tile negmax = k.scratch("moe_negmax", DType::F32, 128, 1).parts(0, T);
  b.tensor_reduce(negmax, logits, AluOp::max, /*negate=*/true);
  Tile p = k.scratch("moe_p", DType::F32, 128, W).parts(0, T);
  kernels::Act ex;
  ex.bias_tile = &negmax;
  b.activation(p.cols(0, E), logits, ActFunc::exp, ex);
  if (W > E) b.memset(p.cols(E, W - E), -1.0f);  // below every probability: never chosen
  Tile top = k.scratch("moe_top", DType::F32, 128, 8).parts(0, T);
  Tile idx = k.scratch("moe_idx", DType::I32, 128, 8).parts(0, T);
  b.max8(top, p);
  b.find_index8(idx, p, top);
  Tile sum = k.scratch("moe_sum", DType::F32, 128, 1).parts(0, T);
  b.tensor_reduce(sum, top.cols(0, K), AluOp::add);
  Tile gates = k.scratch("moe_gates", DType::F32, 128, 8).parts(0, T).cols(0, K);
  b.tensor_scalar(gates, top.cols(0, K), AluOp::divide, sum);

  Tile gate = k.scratch("moe_gate_col", DType::F32, 128, 1).parts(0, T);
  const HbmTensor &w1 = H[size_t(ws.w1e)], &w3 = H[size_t(ws.w3e)], &w2 = H[size_t(ws.w2e)];
  if (moe_per_token_dispatch(c, T)) {
    // Per (token, slot): the expert's matrices are w1e/w3e/w2e + index * (its bytes).
    const int64_t esz = int64_t(dtype_size(w1.dtype()));
    // eye [T, T] = (p - i == 0): column tok selects token tok's row.
    Tile eye = k.scratch("moe_eye", DType::F32, 128, 128).parts(0, T).cols(0, T);
    b.iota(eye, 0, 1, -1.0f);
    b.tensor_scalar(eye, eye, AluOp::is_equal, 0.0f);
    for (uint32_t tok = 0; tok < T; ++tok)
      for (uint32_t j = 0; j < K; ++j) {
        // gate column: gates[tok, j] on row tok, 0 elsewhere
        b.tensor_tensor(gate, gates.cols(j, 1), eye.cols(tok, 1), AluOp::multiply);
        const Tile index = idx.parts(tok, 1).cols(j, 1);
        // w1e/w3e ([dim, hidden] each) and w2e ([hidden, dim]) have the same expert stride.
        // Epoch = layer: idx is rewritten once per layer, so queues reload per layer only.
        const DynamicWeight d{index, int64_t(dim) * hid * esz, kExpertRegister, uint64_t(layer) + 1};
        k.dynamic_weight = &d;
        expert_pass(k, L, w1, w3, w2, 0, t, gate, tok == 0 && j == 0);
        k.dynamic_weight = nullptr;
      }
  } else {
    // Every expert over all tokens; gate column = sum_j gates[:, j] * (idx[:, j] == e).
    Tile eq = k.scratch("moe_eq", DType::F32, 128, 8).parts(0, T).cols(0, K);
    for (uint32_t e = 0; e < E; ++e) {
      b.tensor_scalar(eq, idx.cols(0, K), AluOp::is_equal, float(e));
      b.tensor_tensor(eq, eq, gates, AluOp::multiply);
      b.tensor_reduce(gate, eq, AluOp::add);
      expert_pass(k, L, w1, w3, w2, e, t, gate, e == 0);
    }
  }
  residual_reduce(k, t.x);
}

}  // namespace npulab::llm::compile
