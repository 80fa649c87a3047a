// Mixtral (Mixtral-8x7B): Mistral blocks whose FFN is a sparse mixture of experts - a
// router picks the top num_experts_per_tok of num_local_experts SwiGLU experts per token
// and mixes their outputs with the renormalised softmax gates (llm/reference/moe_routing.h).
// Sources: transformers models/mixtral/{configuration,modeling}_mixtral.py
// (block_sparse_moe.gate, block_sparse_moe.experts.E.w1/w2/w3); llama.cpp writes Mixtral
// GGUF files as general.architecture "llama" with llama.expert_count and stacked experts.
#include "llm/architecture.h"

namespace npulab::llm::families {

extern const Architecture mixtral{
    .name = "mixtral",
    .description = "Mixtral: Mistral blocks with a sparse MoE FFN (top-k of E SwiGLU experts)",
    .hf_model_type = "mixtral",
    .hf_class = "MixtralForCausalLM",
    .gguf_name = "llama",
    .gguf_rope = RopeConvention::Interleaved,
    .qkv_bias = QkvBias::Never,
    .hf_window = SlidingWindow::Default,
    .moe = {.hf_num_experts = "num_local_experts",
            .hf_top_k = "num_experts_per_tok",
            .hf_router = "block_sparse_moe.gate.weight",
            .hf_expert_prefix = "block_sparse_moe.experts.",
            .hf_w1 = "w1.weight",
            .hf_w2 = "w2.weight",
            .hf_w3 = "w3.weight"},
};

}  // namespace npulab::llm::families
