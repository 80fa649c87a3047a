// Writes a checkpoint into simulated HBM in the ModelLayout: matmul weights transposed to
// [in, out] and converted to the chip dtype, norms and biases in FP32, the embedding rows
// in the KV dtype, and the RoPE cos/sin tables. One tensor is staged on the host at a time
// (the checkpoint itself stays memory-mapped).
#pragma once
#include <vector>

#include "llm/compile/model_layout.h"
#include "llm/compile/tp_layout.h"
#include "llm/weights.h"
#include "sim/memory.h"

namespace npulab::llm::compile {

// The RoPE tables the layout holds: cos/sin(float(pos) * inv_freq[i]), [max_context, hd/2].
void rope_tables(const ModelLayout& L, std::vector<float>& cos_out, std::vector<float>& sin_out);

// Throws npulab::Error if the weights do not match the layout's config (names the tensor),
// or if the layout aliases layers (timing-only layouts cannot hold real weights).
// A tensor-parallel rank's layout gets its slices of the checkpoint (tp_plan.h), and the
// shared slots (embedding, RoPE tables) are written by rank 0.
void write_weights(const ModelLayout& L, const Weights& w, sim::Hbm& hbm);
// Every rank's slices and the shared slots once.
void write_weights(const TpLayout& L, const Weights& w, sim::Hbm& hbm);

}  // namespace npulab::llm::compile
