// Qwen2 / Qwen2.5: Llama blocks with biases on the q, k and v projections (not o); small
// models tie the classifier to the token embedding (tie_word_embeddings). config.json
// carries a sliding_window that applies only with use_sliding_window = true (false in the
// released models). Sources: transformers models/qwen2/{configuration,modeling}_qwen2.py;
// llama.cpp convert_hf_to_gguf.py (Qwen2Model: general.architecture "qwen2", rows not
// permuted, RoPE in NEOX = half-split order).
#include "llm/architecture.h"

namespace npulab::llm::families {

extern const Architecture qwen2{
    .name = "qwen2",
    .description = "Qwen2: Llama blocks with q/k/v projection biases",
    .hf_model_type = "qwen2",
    .hf_class = "Qwen2ForCausalLM",
    .gguf_name = "qwen2",
    .gguf_rope = RopeConvention::HalfSplit,
    .qkv_bias = QkvBias::Always,
    .hf_window = SlidingWindow::OptIn,
    .moe = {},
};

}  // namespace npulab::llm::families
