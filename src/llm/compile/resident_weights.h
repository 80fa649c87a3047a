// Resident weights (docs/LLM.md, "Resident weights"): when a small model's matmul weights,
// norm weights and classifier fit in SBUF beside a step program's own tiles, each gets a
// permanent SBUF home. A one-time preload program (compile_preload) DMAs them in; step
// programs then feed the PE from the homes instead of streaming every weight tile from HBM
// on every step — what an NKI deployment of a tiny model does with the 24 MiB SBUF.
//
// Placement: every program (the preload and each step) allocates the homes first, in plan
// order, on its fresh builder. The tile allocator is first-fit from offset 0, so the homes
// land at the same SBUF offsets in every program and no step tile can overlap them (they
// stay allocated until the program is finished). sim::Chip keeps SBUF contents from run to
// run, so what the preload wrote is still there for every later step.
//
// Budget: the homes take at most the SBUF of the weight staging ring (kWeightBuffers x
// kWeightTileBytes per partition), which a resident program does not allocate; so a resident
// step program never needs more SBUF than the streamed one (same prefill chunking).
// Not for MoE models: routed experts are chosen at run time through DMA-queue registers,
// which offset HBM addresses, not SBUF ones.
#pragma once
#include <cstdint>
#include <vector>

#include "llm/compile/llm_kernels.h"
#include "llm/compile/model_layout.h"
#include "llm/compile/tp_layout.h"

namespace npulab::llm::compile {

// One home: the weight in ModelLayout slot `slot`, stored [min(kp, K), ceil(K/kp), N] in its
// own dtype (chunk c, partition p = row c*kp + p: the contraction chunks project() feeds the
// PE), or a norm vector [min(D, 128), ceil(D/128)] FP32 (column c, partition p = w[c*128+p]).
struct HomePlan {
  int slot = -1;
  uint32_t kp = 0;  // rows per contraction chunk; 0 = a norm vector
};

// Every home of the model in allocation order (empty for MoE models).
std::vector<HomePlan> resident_plan(const ModelLayout& L);
// SBUF bytes per partition the homes take (tile alignment included).
uint64_t resident_bytes_per_partition(const ModelLayout& L, const std::vector<HomePlan>& plan);
// The most SBUF per partition the homes may take (the weight staging ring's).
uint64_t resident_budget_per_partition();

class ResidentWeights {
 public:
  struct Home {
    Tile tile;
    uint32_t kp = 0;  // as HomePlan::kp
  };
  // Allocates every home of L's plan on b; they must be b's first SBUF tiles.
  ResidentWeights(Builder& b, const ModelLayout& L, const std::vector<HbmTensor>& H);
  // The home of HBM tensor w, or null when it has none.
  const Home* find(const HbmTensor& w) const;
  // DMA every weight from HBM into its home (the preload program).
  void load_all(Builder& b) const;

 private:
  struct Entry {
    HbmTensor src;
    Home home;
  };
  std::vector<Entry> homes_;
};

// The weight preload program: declares the HBM layout, allocates the homes, loads them.
isa::Executable compile_preload(const ModelLayout& L);
// Of a tensor-parallel layout: every rank loads its own slices into its core's SBUF.
isa::Executable compile_preload(const TpLayout& L);

}  // namespace npulab::llm::compile
