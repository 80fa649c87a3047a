// Mistral (Mistral-7B): Llama blocks with sliding-window attention - each query attends to
// the last `sliding_window` positions (null in config.json = full attention, as in v0.2+).
// No biases. Sources: transformers models/mistral/{configuration,modeling}_mistral.py.
// llama.cpp writes Mistral GGUF files as general.architecture "llama" (with the window, if
// any, in llama.attention.sliding_window), so they load as the Llama architecture.
#include "llm/architecture.h"

namespace npulab::llm::families {

extern const Architecture mistral{
    .name = "mistral",
    .description = "Mistral: Llama blocks with sliding-window attention (config sliding_window)",
    .hf_model_type = "mistral",
    .hf_class = "MistralForCausalLM",
    .gguf_name = "",
    .gguf_rope = RopeConvention::Interleaved,
    .qkv_bias = QkvBias::Never,
    .hf_window = SlidingWindow::Default,
    .moe = {},
};

}  // namespace npulab::llm::families
