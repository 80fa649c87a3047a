// Mapping of format-specific tensor names to canonical ones (see weights.h).
#pragma once
#include <string>

namespace npulab::llm {

struct Architecture;  // llm/architecture.h

// Hugging Face transformers names (model.layers.N.self_attn.q_proj.weight, lm_head.weight,
// ...; an MoE architecture's router and expert names from its Architecture::moe). Ignored:
// stored buffers that are not weights (old rotary inv_freq). Unknown names are the caller's
// error to report (naming the file).
enum class NameMatch { Mapped, Ignored, Unknown };
NameMatch hf_to_canonical(const std::string& hf, const Architecture& arch, std::string& canonical);
// GGUF / llama.cpp names (token_embd.weight, blk.N.attn_q.weight, output.weight, ...).
NameMatch gguf_to_canonical(const std::string& gguf, std::string& canonical);
// GGUF MoE files stack a layer's experts in one tensor (blk.N.ffn_gate_exps.weight ->
// canonical "layers.N.ffn.experts.w1"): returns "w1"/"w2"/"w3" for such a stacked name, else
// null. The loader splits it into layers.N.ffn.experts.E.w1 views (see weights.h).
const char* gguf_stacked_expert(const std::string& canonical);

}  // namespace npulab::llm
