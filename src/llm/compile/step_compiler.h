// Compiles one inference step of a Llama-family model into a NeuronCore program.
//
// Programs are generated per step: the tokens and positions are known when the step is
// compiled, so embedding rows are fetched by DMA from static offsets of the embedding
// table, and the causal mask and cache offsets are immediates (docs/LLM.md explains why
// this beats buckets here). Every program first declares the model's HBM tensors in the
// ModelLayout order, so weights and the KV cache keep their addresses from step to step.
//
// One NeuronCore: the program is cores[0]. Tensor-parallel (TpLayout with ranks > 1): one
// program per rank (cores[r]), each the same step over the rank's share of the model
// (tp_plan.h), with an all-reduce after each row-parallel block (tp_reduce.h) and the
// logits written vocabulary-parallel into one shared tensor.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "isa/instr.h"
#include "kernels/builder.h"
#include "llm/compile/model_layout.h"
#include "llm/compile/tp_layout.h"

namespace npulab::llm::compile {

struct StepSpec {
  enum class Kind : uint8_t { Prefill, Decode };
  Kind kind = Kind::Prefill;
  // Prefill: up to 128 consecutive tokens of the sequence in KV slot `slot`, the first at
  // position `pos0`. Decode: one token per KV slot 0..batch-1, all at position `pos0`.
  std::vector<int64_t> tokens;
  int64_t pos0 = 0;
  int64_t slot = 0;
  bool logits = true;  // prefill: produce the last token's logits (the last chunk only)
  // Decode: > 0 = attend over keys up to the end of this bucket of positions (multiple of
  // key_bucket), masking keys after pos0, so one program serves every position of the
  // bucket after patch_decode_step(). 0 = exactly the keys 0..pos0.
  int64_t key_bucket = 0;
};

struct StepProgram {
  isa::Executable exe;
  uint64_t logits_offset = 0;  // HBM byte offset of the FP32 logits [logits_rows, vocab]
  uint32_t logits_rows = 0;    // 0 when the step produces none
  uint64_t stage_offset = 0;   // HBM staging rows of the token embeddings [T, dim]
  int64_t bucket_end = 0;      // decode with key_bucket: keys loaded are < bucket_end (else pos0 + 1)
  bool layer_loop = false;     // the layers are one register loop (not unrolled)
  // Per core (rank): its HBM staging rows and its token- and position-dependent
  // instructions, tagged as emitted (patch_sites.h).
  struct RankSites {
    uint64_t stage_offset = 0;
    std::vector<kernels::Builder::Tagged> patch_sites;
  };
  std::vector<RankSites> ranks;
};

StepProgram compile_step(const ModelLayout& layout, const StepSpec& spec);
// The whole chip's program of a tensor-parallel layout (one rank: compile_step(rank 0)).
StepProgram compile_step(const TpLayout& layout, const StepSpec& spec);

// Retarget a bucketed decode program (compiled with key_bucket > 0) from (old_pos,
// old_tokens) to (new_pos, new_tokens) in the same bucket, new_pos at or after the position
// it was compiled for (its K/V appends are ordered from there on; new_pos may be below
// old_pos, e.g. for the next sequence after ModelRunner::reset()): embedding rows, RoPE rows, K/V
// append offsets and the bucket mask bases are the only position/token-dependent fields.
// Returns the instructions it changed (every core's), so a prepared copy can refresh just those.
struct PatchedInstr {
  uint32_t core = 0, stream = 0, pc = 0;
};
std::vector<PatchedInstr> patch_decode_step(const ModelLayout& layout, StepProgram& prog, int64_t old_pos,
                                            const std::vector<int64_t>& old_tokens, int64_t new_pos,
                                            const std::vector<int64_t>& new_tokens);

// Retarget any step program (prefill or decode) to other tokens at the same positions: only
// the embedding rows it fetches depend on the tokens (all else is position or weights).
std::vector<PatchedInstr> patch_step_tokens(const ModelLayout& layout, StepProgram& prog, int64_t pos0,
                                            const std::vector<int64_t>& old_tokens,
                                            const std::vector<int64_t>& new_tokens);

}  // namespace npulab::llm::compile
