// Llama (Meta Llama 2/3/3.1/3.3 and llama2.c checkpoints): the base block every other
// architecture here extends - RMSNorm, GQA attention with RoPE, SwiGLU FFN. Optional q/k/v
// biases (transformers LlamaConfig.attention_bias, default false); no sliding window.
// Sources: transformers models/llama/{configuration,modeling}_llama.py; llama.cpp
// convert_hf_to_gguf.py (LlamaModel: general.architecture "llama", q/k rows permuted).
#include "llm/architecture.h"

namespace npulab::llm::families {

extern const Architecture llama{
    .name = "llama",
    .description = "Llama: RMSNorm, GQA attention with RoPE, SwiGLU FFN (optional attention_bias)",
    .hf_model_type = "llama",
    .hf_class = "LlamaForCausalLM",
    .gguf_name = "llama",
    .gguf_rope = RopeConvention::Interleaved,
    .qkv_bias = QkvBias::FromConfig,
    .hf_window = SlidingWindow::None,
    .moe = {},
};

}  // namespace npulab::llm::families
