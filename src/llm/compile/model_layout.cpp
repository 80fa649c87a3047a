#include "llm/compile/model_layout.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "llm/compile/resident_weights.h"

namespace npulab::llm::compile {

DType kv_dtype_for(DType w) { return w == DType::F32 ? DType::F32 : DType::BF16; }

DType parse_weight_dtype(const std::string& s) {
  if (s == "fp32" || s == "f32") return DType::F32;
  if (s == "bf16") return DType::BF16;
  if (s == "fp8" || s == "f8e4m3") return DType::F8E4M3;
  fail("--dtype '{}': expected fp32, bf16 or fp8 (e4m3 weights)", s);
}

uint64_t HbmSlot::bytes() const {
  uint64_t n = dtype_size(dtype);
  for (auto d : shape) n *= d;
  return n;
}

ModelLayout::ModelLayout(const ModelConfig& cfg, const arch::ChipConfig& chip, const CompileOptions& opt)
    : model_(cfg), cfg_(cfg), chip_(chip), opt_(opt) {
  shard_.vocab_n = cfg.vocab_size;
  init(chip.hbm.capacity_bytes);
}

ModelLayout::ModelLayout(const ModelConfig& cfg, const arch::ChipConfig& chip, const CompileOptions& opt,
                         const TpShard& shard, uint64_t base, uint64_t capacity, const std::vector<HbmSlot>& shared)
    : model_(cfg), cfg_(tp_shard_config(cfg, shard.ranks, shard.attn_subs)), shard_(shard), base_(base),
      shared_(shared), chip_(chip), opt_(opt) {
  init(capacity);
}

void ModelLayout::init(uint64_t cap) {
  const arch::ChipConfig& chip = chip_;
  cfg_.validate(cfg_.name.empty() ? "model config" : cfg_.name);
  if (cfg_.is_moe() && cfg_.n_experts_per_tok > 8)
    fail("model '{}': {} experts per token; the MoE router (max8) supports at most 8", cfg_.name,
         cfg_.n_experts_per_tok);
  const DType w = opt_.weight_dtype;
  if (w != DType::F32 && w != DType::BF16 && w != DType::F8E4M3)
    fail("weight dtype {} is not supported (use fp32, bf16 or fp8)", dtype_name(w));
  if (cfg_.head_dim > int64_t(chip.tensor.rows) || cfg_.head_dim % 2)
    fail("model '{}': head_dim {} must be even and at most the tensor engine's {} rows", cfg_.name, cfg_.head_dim,
         chip.tensor.rows);
  // Decode attention puts a kv head's query heads on the partitions of one score tile.
  if (cfg_.n_heads / cfg_.n_kv_heads > int64_t(chip.tensor.rows))
    fail("model '{}': {} query heads per kv head; decode attention supports at most the tensor engine's {} rows",
         cfg_.name, cfg_.n_heads / cfg_.n_kv_heads, chip.tensor.rows);
  if (opt_.batch < 1 || opt_.batch > int64_t(chip.tensor.cols))
    fail("batch {} must be between 1 and {} (one token per sequence per decode step)", opt_.batch, chip.tensor.cols);
  max_ctx_ = opt_.max_context > 0 ? opt_.max_context : std::min<int64_t>(cfg_.max_seq_len, 4096);
  if (max_ctx_ > cfg_.max_seq_len)
    fail("context {} exceeds the model's maximum sequence length {} ({})", max_ctx_, cfg_.max_seq_len, cfg_.name);

  plan(cfg_.n_layers, cfg_.n_layers);
  if (end_ <= cap) {
    if (opt_.resident_weights) plan_residency();
    return;
  }
  const std::string need =
      shard_.split()
          ? fmt::format("model '{}' rank {} of {} needs {:.2f} GiB of HBM ({:.2f} GiB weights in {}, {:.2f} GiB KV "
                        "cache for batch {} x {} positions) but its share of chip '{}' is {:.2f} GiB",
                        cfg_.name, shard_.rank, shard_.ranks, (end_ - base_) / 1073741824.0,
                        weight_bytes_ / 1073741824.0, dtype_name(w), kv_bytes_ / 1073741824.0, opt_.batch, max_ctx_,
                        chip.name, (cap - base_) / 1073741824.0)
          : fmt::format("model '{}' needs {:.2f} GiB of HBM ({:.2f} GiB weights in {}, {:.2f} GiB KV cache for batch "
                        "{} x {} positions) but chip '{}' has {:.2f} GiB",
                        cfg_.name, end_ / 1073741824.0, weight_bytes_ / 1073741824.0, dtype_name(w),
                        kv_bytes_ / 1073741824.0, opt_.batch, max_ctx_, chip.name, cap / 1073741824.0);
  if (!opt_.ignore_capacity)
    fail("{}; use a smaller dtype, context or batch, or --ignore-capacity with --timing-only", need);
  // Alias until it fits (timing-only): all weights on layer 0's, then the KV cache too.
  // Only "all layers" or "one layer" keeps a uniform per-layer stride (layer_ranges()).
  const uint64_t all_w = weight_bytes_, all_kv = kv_bytes_;
  plan(1, cfg_.n_layers);
  if (end_ > cap) plan(1, 1);
  if (end_ > cap) fail("{}; even one layer does not fit", need);
  weight_bytes_ = all_w;
  kv_bytes_ = all_kv;
  aliased_ = true;
}

void ModelLayout::plan_residency() {
  const std::vector<HomePlan> homes = resident_plan(*this);
  const uint64_t bytes = homes.empty() ? 0 : resident_bytes_per_partition(*this, homes);
  if (bytes <= resident_budget_per_partition()) resident_bytes_ = bytes;
}

int ModelLayout::add_shared(const std::string& name) {
  for (const HbmSlot& s : shared_)
    if (s.name == name) {
      slots_.push_back(s);
      slots_.back().shared = true;
      return int(slots_.size() - 1);
    }
  fail("internal: tensor-parallel layout without the shared slot '{}'", name);
}

int ModelLayout::add(std::string name, DType t, std::vector<uint64_t> shape) {
  HbmSlot s{std::move(name), t, std::move(shape), end_};
  end_ = (end_ + s.bytes() + kHbmAlign - 1) / kHbmAlign * kHbmAlign;
  slots_.push_back(std::move(s));
  return int(slots_.size() - 1);
}

void ModelLayout::plan(int64_t weight_layers, int64_t kv_layers) {
  slots_.clear();
  layers_.clear();
  kcache_.clear();
  vcache_.clear();
  end_ = base_;
  const ModelConfig& c = cfg_;
  const DType w = opt_.weight_dtype, kv = kv_dtype();
  const uint64_t dim = c.dim, qd = c.q_dim(), kvd = c.kv_dim(), hid = c.hidden_dim, voc = c.vocab_size;
  const uint64_t qkv = qd + 2 * kvd, hd = c.head_dim, ctx = max_ctx_, B = opt_.batch;
  const uint64_t vcols = uint64_t(shard_.vocab_n);  // the classifier's columns (all of them on one core)
  const bool split = shard_.split();
  // Norm vectors are stored feature-major, [p, c] = w[c*P + p] (zero past dim): the shape
  // rmsnorm applies them in, so one DMA of P partitions loads one (docs/LLM.md, "HBM layout").
  const uint64_t P = chip_.tensor.rows, norm_rows = std::min(dim, P), norm_cols = (dim + P - 1) / P;
  const std::vector<uint64_t> norm_shape{norm_rows, norm_cols};
  const uint64_t norm_bytes = norm_rows * norm_cols * 4;
  uint64_t wbytes = 0;
  embed = split ? add_shared("embed") : add("embed", kv, {voc, dim});
  if (!split) wbytes += slots_.back().bytes();
  for (int64_t l = 0; l < weight_layers; ++l) {
    LayerSlots ls;
    const std::string p = fmt::format("L{}.", l);
    ls.attn_norm = add(p + "attn_norm", DType::F32, norm_shape);
    // Row-split attention: this core's 1/attn_subs of the logical core's fused columns.
    ls.wqkv = add(p + "wqkv", w, {dim, qkv / uint64_t(shard_.attn_subs)});
    if (c.qkv_bias) ls.bqkv = add(p + "bqkv", DType::F32, {qkv});
    ls.wo = add(p + "wo", w, {qd, dim});
    ls.ffn_norm = add(p + "ffn_norm", DType::F32, norm_shape);
    if (c.is_moe()) {
      const uint64_t E = c.n_experts;
      ls.router = add(p + "router", w, {dim, E});
      ls.w1e = add(p + "w1e", w, {E, dim, hid});
      ls.w3e = add(p + "w3e", w, {E, dim, hid});
      ls.w2e = add(p + "w2e", w, {E, hid, dim});
    } else {
      ls.w1 = add(p + "w1", w, {dim, hid});
      ls.w3 = add(p + "w3", w, {dim, hid});
      ls.w2 = add(p + "w2", w, {hid, dim});
    }
    layers_.push_back(ls);
  }
  const uint64_t ffn = c.is_moe() ? uint64_t(c.n_experts) * (3 * dim * hid + dim) : 3 * dim * hid;
  const uint64_t per_layer = 2 * norm_bytes + (dim * qkv + qd * dim + ffn) * dtype_size(w) +
                             (c.qkv_bias ? qkv * 4 : 0);
  wbytes += per_layer * uint64_t(c.n_layers);
  final_norm = add("final_norm", DType::F32, norm_shape);
  classifier = add("classifier", w, {dim, vcols});
  wbytes += norm_bytes + dim * vcols * dtype_size(w);
  rope_cos = split ? add_shared("rope_cos") : add("rope_cos", DType::F32, {ctx, hd / 2});
  rope_sin = split ? add_shared("rope_sin") : add("rope_sin", DType::F32, {ctx, hd / 2});
  for (int64_t l = 0; l < kv_layers; ++l) {
    kcache_.push_back(add(fmt::format("K{}", l), kv, {B, uint64_t(c.n_kv_heads), hd, ctx}));
    vcache_.push_back(add(fmt::format("V{}", l), kv, {B, uint64_t(c.n_kv_heads), uint64_t(v_rows()), hd}));
  }
  weight_bytes_ = wbytes;
  kv_bytes_ = 2 * B * kvd * ctx * dtype_size(kv) * uint64_t(c.n_layers);
}

const LayerSlots& ModelLayout::weight_slots_of_layer(int64_t layer) const {
  return layers_[size_t(layer % int64_t(layers_.size()))];
}

std::vector<kernels::LoopRange> ModelLayout::layer_ranges() const {
  // MoE layers are included: steps that fetch only the routed experts address them
  // register-relative (reg_load), which a layer loop's register offsets cannot combine with,
  // so the step compiler unrolls those steps (compile_step); every-expert steps loop.
  auto first_last = [&](const LayerSlots& ls, uint64_t& lo, uint64_t& hi) {
    lo = UINT64_MAX;
    hi = 0;
    for (int id : {ls.attn_norm, ls.wqkv, ls.bqkv, ls.wo, ls.ffn_norm, ls.w1, ls.w3, ls.w2, ls.router, ls.w1e,
                   ls.w3e, ls.w2e})
      if (id >= 0) {
        lo = std::min(lo, slot(id).offset);
        hi = std::max(hi, slot(id).offset + slot(id).bytes());
      }
  };
  // Stride of a per-layer slot family, or -1 if some layer breaks the pattern.
  auto stride_of = [&](const std::vector<int>& ids) -> int64_t {
    if (ids.size() < 2) return 0;
    const int64_t st = int64_t(slot(ids[1]).offset) - int64_t(slot(ids[0]).offset);
    for (size_t l = 0; l < ids.size(); ++l)
      if (int64_t(slot(ids[l]).offset) != int64_t(slot(ids[0]).offset) + int64_t(l) * st) return -1;
    return st;
  };
  constexpr int kWeightFamilies = 12;
  std::vector<int> fam[kWeightFamilies];
  for (const LayerSlots& ls : layers_) {
    int i = 0;
    for (int id : {ls.attn_norm, ls.wqkv, ls.bqkv, ls.wo, ls.ffn_norm, ls.w1, ls.w3, ls.w2, ls.router, ls.w1e,
                   ls.w3e, ls.w2e}) {
      if (id >= 0) fam[i].push_back(id);
      ++i;
    }
  }
  int64_t wst = -2;
  for (int i = 0; i < kWeightFamilies; ++i) {
    if (fam[i].empty()) continue;
    const int64_t st = stride_of(fam[i]);
    if (st < 0 || (wst != -2 && st != wst)) return {};
    wst = st;
  }
  const int64_t kst = stride_of(kcache_), vst = stride_of(vcache_);
  if (kst < 0 || kst != vst) return {};
  uint64_t wlo, whi;
  first_last(layers_[0], wlo, whi);
  const uint64_t klo = std::min(slot(kcache_[0]).offset, slot(vcache_[0]).offset);
  const uint64_t khi = std::max(slot(kcache_[0]).offset + slot(kcache_[0]).bytes(),
                                slot(vcache_[0]).offset + slot(vcache_[0]).bytes());
  // Ranges of different layers must not overlap (a stride of 0 means every layer shares one).
  if ((wst > 0 && uint64_t(wst) < whi - wlo) || (kst > 0 && uint64_t(kst) < khi - klo)) return {};
  return {{wlo, whi - wlo, wst}, {klo, khi - klo, kst}};
}

std::vector<kernels::HbmTensor> ModelLayout::declare(kernels::Builder& b,
                                                     const std::vector<kernels::HbmTensor>& shared) const {
  std::vector<kernels::HbmTensor> out;
  out.reserve(slots_.size());
  for (const HbmSlot& s : slots_) {
    if (s.shared) {
      auto it = std::find_if(shared.begin(), shared.end(), [&](const kernels::HbmTensor& t) { return t.name() == s.name; });
      if (it == shared.end() || it->offset() != s.offset)
        fail("internal: shared HBM tensor '{}' of the tensor-parallel layout is not declared at {}", s.name, s.offset);
      out.push_back(*it);
      continue;
    }
    out.push_back(b.input(s.name, s.dtype, s.shape));
    if (out.back().offset() != s.offset)
      fail("internal: HBM tensor '{}' placed at {} but the model layout planned {} (builder alignment changed?)",
           s.name, out.back().offset(), s.offset);
  }
  return out;
}

}  // namespace npulab::llm::compile
