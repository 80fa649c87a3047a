#include "llm/tensor_names.h"

#include <array>
#include <charconv>
#include <string_view>

#include "llm/architecture.h"

namespace npulab::llm {
namespace {

struct Rename {
  std::string_view from, to;
};

// Splits "<prefix><N>.<rest>" into N and rest; false if `name` does not have that form.
bool split_layer(std::string_view name, std::string_view prefix, long& layer,
                 std::string_view& rest) {
  if (name.substr(0, prefix.size()) != prefix) return false;
  name.remove_prefix(prefix.size());
  auto dot = name.find('.');
  if (dot == 0 || dot == std::string_view::npos) return false;
  auto [p, ec] = std::from_chars(name.data(), name.data() + dot, layer);
  if (ec != std::errc() || p != name.data() + dot || layer < 0) return false;
  rest = name.substr(dot + 1);
  return true;
}

NameMatch map(const std::string& name, std::string_view layer_prefix,
              const Rename* globals, size_t n_globals, const Rename* per_layer,
              size_t n_per_layer, std::string_view expert_prefix, const Rename* experts, size_t n_experts,
              std::string& out, const Rename* router = nullptr) {
  for (size_t i = 0; i < n_globals; ++i)
    if (name == globals[i].from) {
      out = globals[i].to;
      return NameMatch::Mapped;
    }
  long layer = 0;
  std::string_view rest;
  if (!split_layer(name, layer_prefix, layer, rest)) return NameMatch::Unknown;
  const std::string lp = "layers." + std::to_string(layer) + ".";
  for (size_t i = 0; i < n_per_layer; ++i)
    if (rest == per_layer[i].from) {
      if (per_layer[i].to.empty()) return NameMatch::Ignored;
      out = lp + std::string(per_layer[i].to);
      return NameMatch::Mapped;
    }
  if (router && rest == router->from) {
    out = lp + std::string(router->to);
    return NameMatch::Mapped;
  }
  // MoE experts: "<expert_prefix><E>.<rest>".
  long expert = 0;
  std::string_view erest;
  if (!expert_prefix.empty() && split_layer(rest, expert_prefix, expert, erest)) {
    for (size_t i = 0; i < n_experts; ++i)
      if (erest == experts[i].from) {
        out = lp + "ffn.experts." + std::to_string(expert) + "." + std::string(experts[i].to);
        return NameMatch::Mapped;
      }
  }
  return NameMatch::Unknown;
}

constexpr std::array<Rename, 3> kHfGlobals{{
    {"model.embed_tokens.weight", "tok_embeddings"},
    {"model.norm.weight", "norm"},
    {"lm_head.weight", "output"},
}};
constexpr std::array<Rename, 13> kHfLayer{{
    {"input_layernorm.weight", "attn_norm"},
    {"post_attention_layernorm.weight", "ffn_norm"},
    {"self_attn.q_proj.weight", "attn.wq"},
    {"self_attn.k_proj.weight", "attn.wk"},
    {"self_attn.v_proj.weight", "attn.wv"},
    {"self_attn.o_proj.weight", "attn.wo"},
    {"self_attn.q_proj.bias", "attn.bq"},
    {"self_attn.k_proj.bias", "attn.bk"},
    {"self_attn.v_proj.bias", "attn.bv"},
    {"mlp.gate_proj.weight", "ffn.w1"},
    {"mlp.down_proj.weight", "ffn.w2"},
    {"mlp.up_proj.weight", "ffn.w3"},
    {"self_attn.rotary_emb.inv_freq", ""},  // buffer saved by old transformers versions
}};
// MoE router and expert names are the architecture's (Architecture::moe), e.g. Mixtral's
// model.layers.N.block_sparse_moe.experts.E.w1.weight (w1 gate, w2 down, w3 up).

constexpr std::array<Rename, 4> kGgufGlobals{{
    {"token_embd.weight", "tok_embeddings"},
    {"output_norm.weight", "norm"},
    {"output.weight", "output"},
    {"rope_freqs.weight", "rope_freqs"},
}};
constexpr std::array<Rename, 16> kGgufLayer{{
    {"attn_norm.weight", "attn_norm"},
    {"ffn_norm.weight", "ffn_norm"},
    {"attn_q.weight", "attn.wq"},
    {"attn_k.weight", "attn.wk"},
    {"attn_v.weight", "attn.wv"},
    {"attn_output.weight", "attn.wo"},
    {"attn_q.bias", "attn.bq"},
    {"attn_k.bias", "attn.bk"},
    {"attn_v.bias", "attn.bv"},
    {"ffn_gate.weight", "ffn.w1"},
    {"ffn_down.weight", "ffn.w2"},
    {"ffn_up.weight", "ffn.w3"},
    {"ffn_gate_inp.weight", "ffn.router"},
    // MoE experts stacked along the outermost dim ([experts, out, in]); the loader splits
    // them into ffn.experts.E.w1/w2/w3 (gguf_stacked_expert).
    {"ffn_gate_exps.weight", "ffn.experts.w1"},
    {"ffn_down_exps.weight", "ffn.experts.w2"},
    {"ffn_up_exps.weight", "ffn.experts.w3"},
}};

}  // namespace

NameMatch hf_to_canonical(const std::string& hf, const Architecture& arch, std::string& canonical) {
  if (!arch.is_moe())
    return map(hf, "model.layers.", kHfGlobals.data(), kHfGlobals.size(), kHfLayer.data(), kHfLayer.size(), "",
               nullptr, 0, canonical);
  const MoeNames& m = arch.moe;
  const std::array<Rename, 3> experts{{{m.hf_w1, "w1"}, {m.hf_w2, "w2"}, {m.hf_w3, "w3"}}};
  const Rename router{m.hf_router, "ffn.router"};
  return map(hf, "model.layers.", kHfGlobals.data(), kHfGlobals.size(), kHfLayer.data(), kHfLayer.size(),
             m.hf_expert_prefix, experts.data(), experts.size(), canonical, &router);
}

NameMatch gguf_to_canonical(const std::string& gguf, std::string& canonical) {
  return map(gguf, "blk.", kGgufGlobals.data(), kGgufGlobals.size(), kGgufLayer.data(),
             kGgufLayer.size(), "", nullptr, 0, canonical);
}

const char* gguf_stacked_expert(const std::string& canonical) {
  static constexpr std::string_view kMarker = ".ffn.experts.w";
  const auto pos = canonical.rfind(kMarker);
  if (pos == std::string::npos || pos + kMarker.size() + 1 != canonical.size()) return nullptr;
  switch (canonical.back()) {
    case '1': return "w1";
    case '2': return "w2";
    case '3': return "w3";
  }
  return nullptr;
}

}  // namespace npulab::llm
