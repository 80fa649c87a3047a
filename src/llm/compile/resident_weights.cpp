#include "llm/compile/resident_weights.h"

#include <fmt/format.h>

#include "common/error.h"

namespace npulab::llm::compile {

namespace {
constexpr uint64_t kTileAlign = 64;  // kernels::TileAllocator's per-partition alignment

uint32_t cdiv(uint64_t a, uint64_t b) { return uint32_t((a + b - 1) / b); }

// Rows and columns of a weight slot as a matrix (all but the last dim are rows).
uint64_t rows_of(const HbmSlot& s) { return s.bytes() / dtype_size(s.dtype) / s.shape.back(); }

// [partitions, free...] of a home.
struct HomeShape {
  uint32_t parts;
  std::vector<uint32_t> free;
};
HomeShape shape_of(const ModelLayout& L, const HomePlan& h) {
  const HbmSlot& s = L.slot(h.slot);
  if (h.kp == 0) return {uint32_t(s.shape.at(0)), {uint32_t(s.shape.at(1))}};  // feature-major norm
  const uint64_t K = rows_of(s);
  return {uint32_t(std::min<uint64_t>(h.kp, K)), {cdiv(K, h.kp), uint32_t(s.shape.back())}};
}
}  // namespace

std::vector<HomePlan> resident_plan(const ModelLayout& L) {
  const ModelConfig& c = L.config();
  if (c.is_moe()) return {};
  const uint32_t P = L.chip().tensor.rows, hd = uint32_t(c.head_dim);
  std::vector<HomePlan> plan;
  // kp = the contraction chunk each projection uses: Wo contracts per head (attnT is
  // [head_dim, heads, T]); the others per 128 features.
  for (int64_t l = 0; l < c.n_layers; ++l) {
    const LayerSlots& ws = L.weight_slots_of_layer(l);
    for (HomePlan h : {HomePlan{ws.attn_norm, 0}, HomePlan{ws.wqkv, P}, HomePlan{ws.wo, hd}, HomePlan{ws.ffn_norm, 0},
                       HomePlan{ws.w1, P}, HomePlan{ws.w3, P}, HomePlan{ws.w2, P}})
      plan.push_back(h);
  }
  plan.push_back({L.final_norm, 0});
  plan.push_back({L.classifier, P});
  return plan;
}

uint64_t resident_bytes_per_partition(const ModelLayout& L, const std::vector<HomePlan>& plan) {
  uint64_t total = 0;
  for (const HomePlan& h : plan) {
    uint64_t elems = 1;
    for (uint32_t d : shape_of(L, h).free) elems *= d;
    const uint64_t bytes = elems * dtype_size(L.slot(h.slot).dtype);
    total += (bytes + kTileAlign - 1) / kTileAlign * kTileAlign;
  }
  return total;
}

uint64_t resident_budget_per_partition() { return uint64_t(kWeightBuffers) * kWeightTileBytes; }

ResidentWeights::ResidentWeights(Builder& b, const ModelLayout& L, const std::vector<HbmTensor>& H) {
  // First-fit from offset 0 gives every program the same homes only if nothing precedes them.
  if (b.sbuf_bytes_in_use() != 0) fail("internal: resident weight homes must be a program's first SBUF tiles");
  for (const HomePlan& h : resident_plan(L)) {
    const HomeShape s = shape_of(L, h);
    Tile t = b.sbuf("res_" + L.slot(h.slot).name, L.slot(h.slot).dtype, s.parts, s.free);
    homes_.push_back({H[size_t(h.slot)], {t, h.kp}});
  }
}

const ResidentWeights::Home* ResidentWeights::find(const HbmTensor& w) const {
  for (const Entry& e : homes_)
    if (e.src.offset() == w.offset()) return &e.home;
  return nullptr;
}

void ResidentWeights::load_all(Builder& b) const {
  for (const Entry& e : homes_) {
    const HbmTensor& w = e.src;
    const Tile& t = e.home.tile;
    if (e.home.kp == 0) {  // norm vector, stored feature-major as the home holds it
      b.load(t, w.view(0, uint32_t(w.rows()), 0, uint32_t(w.cols())));
      continue;
    }
    // Matrix [K, N]: the full kp-row chunks in one DMA, a short last chunk in another.
    const uint64_t K = w.rows(), N = w.cols(), kp = e.home.kp, full = K / kp, rem = K % kp;
    auto chunks = [&](uint64_t c0, uint64_t n, uint64_t rows) {
      isa::TensorRef src = w.view(c0 * kp, uint32_t(rows), 0, uint32_t(N));
      src.ndim = 2;
      src.dims[0] = {int32_t(kp * N), uint32_t(n)};
      src.dims[1] = {1, uint32_t(N)};
      b.load(t.parts(0, uint32_t(rows)).slice(0, uint32_t(c0), uint32_t(n)), src);
    };
    if (full) chunks(0, full, kp);
    if (rem) chunks(full, 1, rem);
  }
}

namespace {
kernels::BuilderOptions preload_options() {
  kernels::BuilderOptions bo;
  bo.validate = false;  // sim::Chip::run validates every executable it runs
  return bo;
}
}  // namespace

isa::Executable compile_preload(const ModelLayout& L) {
  kernels::Builder b(L.chip(), fmt::format("{}_weight_preload", L.config().name), preload_options());
  const std::vector<HbmTensor> H = L.declare(b);
  const ResidentWeights homes(b, L, H);
  homes.load_all(b);
  return b.finish();
}

isa::Executable compile_preload(const TpLayout& L) {
  if (L.ranks() == 1) return compile_preload(L.rank(0));
  kernels::ChipBuilder cb(L.chip(), fmt::format("{}_weight_preload", L.config().name), uint32_t(L.ranks()),
                          preload_options());
  const auto H = L.declare(cb);
  cb.spmd([&](Builder& b, uint32_t r) { ResidentWeights(b, L.rank(r), H[r]).load_all(b); });
  return cb.finish();
}

}  // namespace npulab::llm::compile
