// Where a model lives in simulated HBM for one NeuronCore: every weight (laid out for the
// tensor engine), the RoPE tables and the KV cache, at fixed offsets shared by every step
// program. Under tensor parallelism (tp_layout.h) one ModelLayout per rank holds that
// rank's share (tp_plan.h): config() is the model as the rank computes it (its heads, its
// FFN columns), the classifier its vocabulary columns, and the embedding and RoPE tables
// are slots shared by every rank. Step programs declare these tensors first, in the same order, so the kernel
// builder places them at the same addresses in each program (checked in declare()).
//
// Layout (docs/LLM.md, "HBM layout"):
//   embed            [vocab, dim]            act dtype (rows fetched by DMA per token)
//   L<i>.attn_norm   [min(dim,128), ceil(dim/128)]  f32, feature-major: [p, c] = w[c*128 + p]
//   L<i>.wqkv        [dim, q_dim+2*kv_dim]   matmul dtype, W^T: 128-row K tiles are moving tiles
//   L<i>.bqkv        [q_dim+2*kv_dim]        f32 (Qwen2 only)
//   L<i>.wo          [q_dim, dim]            matmul dtype
//   L<i>.ffn_norm    (as attn_norm)
//   L<i>.w1, L<i>.w3 [dim, hidden]           matmul dtype (gate, up)
//   L<i>.w2          [hidden, dim]           matmul dtype (down)
//   (MoE: L<i>.router [dim, experts], L<i>.w1e/w3e [experts, dim, hidden], L<i>.w2e [experts, hidden, dim])
//   final_norm       (as attn_norm)
//   classifier       [dim, vocab]            matmul dtype (the embedding again when tied; a rank: its vocab columns)
//   rope_cos/sin     [max_context, hd/2]     f32, cos/sin(pos * inv_freq[i])
//   K<i>             [batch, kv_heads, head_dim, max_context]  kv dtype (K^T per kv head)
//   V<i>             [batch, kv_heads, max_context, head_dim]  kv dtype
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "arch/chip.h"
#include "kernels/builder.h"
#include "llm/compile/tp_plan.h"
#include "llm/model_config.h"
#include "numerics/dtype.h"

namespace npulab::llm::compile {

struct CompileOptions {
  DType weight_dtype = DType::F32;  // matmul weights: F32, BF16 or F8E4M3
  int64_t max_context = 0;          // KV cache positions; 0 = min(max_seq_len, 4096)
  int64_t batch = 1;                // decode batch = KV cache slots
  // Timing-only runs of models larger than HBM: every layer's weights (and, if still too
  // big, KV cache) share layer 0's HBM addresses, so layers stay uniformly strided (stride
  // 0) for the register loop. Values would be wrong, timing is unaffected (the simulator's
  // costs do not depend on addresses; a shared KV cache adds cross-layer WAR/RAW waits on
  // the cache). Never for functional runs.
  bool ignore_capacity = false;
  // Emit every layer as straight-line code instead of one register loop over the layers
  // (the reference the looped programs are tested against).
  bool unroll_layers = false;
  // Keep every weight in SBUF when the whole model fits the budget (resident_weights.h): a
  // preload program loads them once, step programs read them there instead of from HBM.
  // Off: weights stream from HBM in every step. Never applies to MoE or aliased layouts.
  bool resident_weights = true;
  // Tensor parallelism (tp_plan.h, tp_layout.h): `tp` logical NeuronCores of `lnc` physical
  // cores each; tp x lnc ranks. 1 x 1 = the single-core programs.
  int64_t tp = 1;
  int64_t lnc = 1;
};

// Activations fed to the tensor engine must share the weights' dtype; the KV cache and the
// embedding table use F32 in fp32 mode and BF16 otherwise (FP8 applies to weights only).
DType kv_dtype_for(DType weight_dtype);
DType parse_weight_dtype(const std::string& s);  // "fp32"|"bf16"|"fp8" (+ dtype names)

struct HbmSlot {
  std::string name;
  DType dtype = DType::F32;
  std::vector<uint64_t> shape;
  uint64_t offset = 0;
  bool shared = false;  // a tensor-parallel layout's slot every rank reads (declared once: tp_layout.h)
  uint64_t bytes() const;
};

struct LayerSlots {
  int attn_norm = -1, wqkv = -1, bqkv = -1, wo = -1, ffn_norm = -1, w1 = -1, w3 = -1, w2 = -1;
  // MoE layers instead of w1/w3/w2 (compile/moe_ffn.h): L<i>.router [dim, n_experts] and
  // the experts stacked, L<i>.w1e / w3e [n_experts, dim, hidden], L<i>.w2e [n_experts, hidden, dim].
  int router = -1, w1e = -1, w3e = -1, w2e = -1;
};

class ModelLayout {
 public:
  ModelLayout(const ModelConfig& cfg, const arch::ChipConfig& chip, const CompileOptions& opt);
  // Rank `shard.rank` of a tensor-parallel layout (tp_layout.h): `cfg` is the whole model;
  // its own slots start at HBM offset `base` and must end by `capacity`; `shared` are the
  // slots every rank reads (embed, rope_cos, rope_sin), already placed.
  ModelLayout(const ModelConfig& cfg, const arch::ChipConfig& chip, const CompileOptions& opt, const TpShard& shard,
              uint64_t base, uint64_t capacity, const std::vector<HbmSlot>& shared);

  const ModelConfig& config() const { return cfg_; }        // as this rank computes it
  const ModelConfig& model_config() const { return model_; }  // the whole model
  const TpShard& shard() const { return shard_; }
  const arch::ChipConfig& chip() const { return chip_; }
  const CompileOptions& options() const { return opt_; }
  DType mm_dtype() const { return opt_.weight_dtype; }
  DType kv_dtype() const { return kv_dtype_for(opt_.weight_dtype); }
  int64_t max_context() const { return max_ctx_; }
  // V cache layout, partition-major: the rows of one (sequence, kv head) block are
  // [P partitions p][v_tiles() tiles j] x head_dim (P = tensor.rows, the P V contraction),
  // position j*P + p at row p*v_tiles() + j. Loading keys [j0*P, (j0+n)*P) with key % P on
  // the partitions then reads n contiguous rows per partition (one DMA descriptor) instead of
  // one head_dim row per key.
  int64_t v_tiles() const { return (max_ctx_ + vpart() - 1) / vpart(); }
  int64_t v_rows() const { return v_tiles() * vpart(); }  // rows per (sequence, kv head)
  int64_t v_row(int64_t pos) const { return (pos % vpart()) * v_tiles() + pos / vpart(); }

  const std::vector<HbmSlot>& slots() const { return slots_; }
  const HbmSlot& slot(int i) const { return slots_[size_t(i)]; }
  const LayerSlots& weight_slots_of_layer(int64_t layer) const;
  int kcache(int64_t layer) const { return kcache_[size_t(layer % int64_t(kcache_.size()))]; }
  int vcache(int64_t layer) const { return vcache_[size_t(layer % int64_t(vcache_.size()))]; }
  int embed = -1, final_norm = -1, classifier = -1, rope_cos = -1, rope_sin = -1;

  uint64_t weight_bytes() const { return weight_bytes_; }     // all layers (not aliased)
  uint64_t kv_bytes() const { return kv_bytes_; }             // all layers
  uint64_t end_offset() const { return end_; }                // first free HBM byte
  bool aliased() const { return aliased_; }                   // ignore_capacity took effect
  // Weights live in SBUF homes (CompileOptions::resident_weights and they fit), taking
  // resident_bytes() per partition; 0 when not resident.
  bool resident_weights() const { return resident_bytes_ > 0; }
  uint64_t resident_bytes() const { return resident_bytes_; }
  int64_t weight_layer_slots() const { return int64_t(layers_.size()); }

  // The HBM ranges of layer 0 that move by a uniform stride per layer: its weights and its
  // KV cache (stride 0 when --ignore-capacity made every layer share layer 0's). Empty when
  // the layers are not uniformly strided (then step programs are unrolled over layers).
  std::vector<kernels::LoopRange> layer_ranges() const;

  // Declare every slot on `b`, in order, and check each lands at its planned offset. A
  // tensor-parallel rank declares its own slots only and takes the shared ones from
  // `shared` (by name; declared once for every rank).
  std::vector<kernels::HbmTensor> declare(kernels::Builder& b,
                                          const std::vector<kernels::HbmTensor>& shared = {}) const;

 private:
  void init(uint64_t capacity);  // plan, check the capacity, alias or plan residency
  int add(std::string name, DType t, std::vector<uint64_t> shape);
  int add_shared(const std::string& name);
  int64_t vpart() const { return int64_t(chip_.tensor.rows); }
  void plan(int64_t weight_layers, int64_t kv_layers);
  void plan_residency();  // sets resident_bytes_ when the homes fit the budget
  ModelConfig model_, cfg_;
  TpShard shard_;
  uint64_t base_ = 0;
  std::vector<HbmSlot> shared_;
  arch::ChipConfig chip_;
  CompileOptions opt_;
  int64_t max_ctx_ = 0;
  std::vector<HbmSlot> slots_;
  std::vector<LayerSlots> layers_;
  std::vector<int> kcache_, vcache_;
  uint64_t weight_bytes_ = 0, kv_bytes_ = 0, end_ = 0, resident_bytes_ = 0;
  bool aliased_ = false;
};

// Host bytes and HBM byte offsets use this alignment (must equal the kernel builder's).
constexpr uint64_t kHbmAlign = 4096;

}  // namespace npulab::llm::compile
