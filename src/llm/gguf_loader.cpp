// GGUF model files -> Model. Metadata "<arch>.*" keys give the config, tensors are mapped
// to canonical names, tokenizer.ggml.* is exposed for the tokenizer layer.
//
// RoPE layout: llama.cpp's converter permutes the rows of HF q_proj/k_proj for arch "llama"
// so that rotate_half pairs (i, i+d/2) become adjacent pairs (2i, 2i+1), and llama.cpp then
// applies RoPE to interleaved pairs. We keep the rows as stored and record the convention
// (Interleaved) in the config, which gives the same attention scores as the HF original.
// qwen2 files are not permuted (llama.cpp uses NEOX = half-split RoPE for them). Which
// family a file is, and what that implies, comes from llm/architecture.h.
#include <fstream>

#include <fmt/format.h>

#include "common/error.h"
#include "llm/architecture.h"
#include "llm/gguf.h"
#include "llm/model.h"
#include "llm/tensor_names.h"
#include "llm/weights_store.h"

namespace npulab::llm {
namespace {

WDType to_wdtype(GgmlType t) {
  switch (t) {
    case GgmlType::F32: return WDType::F32;
    case GgmlType::F16: return WDType::F16;
    case GgmlType::BF16: return WDType::BF16;
    case GgmlType::Q8_0: return WDType::Q8_0;
  }
  return WDType::F32;
}

// `arch` is the file's general.architecture, the prefix of its keys; `a` what it denotes.
ModelConfig config_from_metadata(const GgufFile& g, const Architecture& a, const std::string& arch) {
  const std::string p = arch + ".";
  ModelConfig c;
  c.arch = std::string(a.name);
  c.name = g.path;
  c.rope_convention = a.gguf_rope;
  c.qkv_bias = a.qkv_bias == QkvBias::Always;  // GGUF has no attention_bias key
  c.dim = g.get_int(p + "embedding_length");
  c.n_layers = g.get_int(p + "block_count");
  c.n_heads = g.get_int(p + "attention.head_count");
  c.n_kv_heads = g.get_int_or(p + "attention.head_count_kv", c.n_heads);
  if (g.find(p + "attention.key_length") || g.find(p + "rope.dimension_count"))
    c.head_dim = g.get_int_or(p + "attention.key_length", g.get_int_or(p + "rope.dimension_count", 0));
  else
    c.head_dim = implied_head_dim(c.dim, c.n_heads, g.path, p + "attention.key_length");
  c.hidden_dim = g.get_int(p + "feed_forward_length");
  c.max_seq_len = g.get_int(p + "context_length");
  c.rope_theta = g.get_float_or(p + "rope.freq_base", 10000.0);
  c.rms_eps = g.get_float_or(p + "attention.layer_norm_rms_epsilon", 1e-5);
  c.n_experts = g.get_int_or(p + "expert_count", 0);
  c.n_experts_per_tok = g.get_int_or(p + "expert_used_count", 0);
  c.sliding_window = g.get_int_or(p + "attention.sliding_window", 0);
  const std::string scaling = g.get_string_or(p + "rope.scaling.type", "none");
  if (scaling != "none")
    fail("{}: {}rope.scaling.type '{}' is not supported (Llama 3.1 scaling comes as the "
         "rope_freqs tensor)", g.path, p, scaling);
  if (const GgufValue* rd = g.find(p + "rope.dimension_count"); rd && rd->is_integer() &&
                                                                rd->i != c.head_dim)
    fail("{}: partial RoPE ({}rope.dimension_count {} != head_dim {}) is not supported", g.path,
         p, rd->i, c.head_dim);
  // Vocabulary: explicit key, else the tokenizer's token list.
  if (g.find(p + "vocab_size")) {
    c.vocab_size = g.get_int(p + "vocab_size");
  } else if (const GgufValue* t = g.find("tokenizer.ggml.tokens"); t && t->type == GgufType::Array) {
    c.vocab_size = int64_t(t->arr.size());
  } else {
    for (const auto& t : g.tensors)
      if (t.name == "token_embd.weight" && t.ne.size() == 2) c.vocab_size = int64_t(t.ne[1]);
  }
  c.bos_id = g.get_int_or("tokenizer.ggml.bos_token_id", 1);
  if (g.find("tokenizer.ggml.eos_token_id")) c.eos_ids = {g.get_int("tokenizer.ggml.eos_token_id")};
  if (g.find("tokenizer.ggml.eot_token_id")) {
    const int64_t eot = g.get_int("tokenizer.ggml.eot_token_id");
    if (!c.is_eos(eot)) c.eos_ids.push_back(eot);
  }
  return c;
}

template <typename T, typename F>
std::vector<T> get_array(const GgufFile& g, const std::string& key, GgufType want, F conv) {
  std::vector<T> out;
  const GgufValue* v = g.find(key);
  if (!v) return out;
  if (v->type != GgufType::Array || v->arr_type != want)
    fail("{}: metadata key '{}' must be an array of {}", g.path, key, gguf_type_name(want));
  out.reserve(v->arr.size());
  for (const auto& e : v->arr) out.push_back(conv(e));
  return out;
}

std::optional<EmbeddedTokenizer> tokenizer_from_metadata(const GgufFile& g) {
  if (!g.find("tokenizer.ggml.model")) return std::nullopt;
  EmbeddedTokenizer t;
  t.model = g.get_string("tokenizer.ggml.model");
  t.pre = g.get_string_or("tokenizer.ggml.pre", "");
  t.tokens = get_array<std::string>(g, "tokenizer.ggml.tokens", GgufType::String,
                                    [](const GgufValue& v) { return v.s; });
  t.scores = get_array<float>(g, "tokenizer.ggml.scores", GgufType::F32,
                              [](const GgufValue& v) { return float(v.f); });
  t.token_types = get_array<int32_t>(g, "tokenizer.ggml.token_type", GgufType::I32,
                                     [](const GgufValue& v) { return int32_t(v.i); });
  t.merges = get_array<std::string>(g, "tokenizer.ggml.merges", GgufType::String,
                                    [](const GgufValue& v) { return v.s; });
  if (!t.scores.empty() && t.scores.size() != t.tokens.size())
    fail("{}: tokenizer.ggml.scores has {} entries for {} tokens", g.path, t.scores.size(),
         t.tokens.size());
  if (!t.token_types.empty() && t.token_types.size() != t.tokens.size())
    fail("{}: tokenizer.ggml.token_type has {} entries for {} tokens", g.path,
         t.token_types.size(), t.tokens.size());
  auto id = [&](const char* key) -> std::optional<int64_t> {
    if (!g.find(key)) return std::nullopt;
    return g.get_int(key);
  };
  t.bos_id = id("tokenizer.ggml.bos_token_id");
  t.eos_id = id("tokenizer.ggml.eos_token_id");
  t.unk_id = id("tokenizer.ggml.unknown_token_id");
  t.pad_id = id("tokenizer.ggml.padding_token_id");
  if (const GgufValue* v = g.find("tokenizer.ggml.add_space_prefix")) {
    if (v->type != GgufType::Bool) fail("{}: metadata key 'tokenizer.ggml.add_space_prefix' must be a bool", g.path);
    t.add_space_prefix = v->b;
  }
  return t;
}

// A stacked MoE tensor [experts, rows, cols] -> one view per expert (contiguous slices:
// GGUF rows, Q8_0 blocks included, never straddle experts since cols is innermost).
void split_stacked_experts(WeightStore& store, const TensorView& v, const ModelConfig& c, const char* w,
                           const std::string& gguf_name, const std::string& arch) {
  if (!c.is_moe())
    fail("{}: tensor '{}' holds MoE experts but the file has no {}.expert_count", store.source(), gguf_name, arch);
  if (v.shape.size() != 3 || v.shape[0] != c.n_experts)
    fail("{}: tensor '{}' has shape [{}], expected [{} experts, rows, cols]", store.source(), gguf_name,
         fmt::join(v.shape, ", "), c.n_experts);
  const int64_t layer = std::stoll(v.name.substr(7));  // "layers.N.ffn.experts.wK"
  const int64_t per = v.nbytes / c.n_experts;
  for (int64_t e = 0; e < c.n_experts; ++e) {
    TensorView x;
    x.name = expert_tensor(layer, e, w);
    x.dtype = v.dtype;
    x.shape = {v.shape[1], v.shape[2]};
    x.data = v.data + e * per;
    x.nbytes = per;
    store.add(std::move(x));
  }
}

}  // namespace

std::optional<EmbeddedTokenizer> load_gguf_tokenizer(const std::string& path) {
  MappedFile file(path);
  return tokenizer_from_metadata(parse_gguf(file.bytes(), path));
}

bool probe_gguf(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char magic[4] = {};
  return f.read(magic, 4) && std::string_view(magic, 4) == "GGUF";
}

Model load_gguf(const std::string& path) {
  auto file = std::make_shared<MappedFile>(path);
  GgufFile g = parse_gguf(file->bytes(), path);
  const std::string arch = g.get_string("general.architecture");
  const bool has_experts = g.get_int_or(arch + ".expert_count", 0) > 0;
  const Architecture* a = find_gguf_architecture(arch, has_experts);
  if (!a) {
    std::string known;
    for (const Architecture* k : architectures())
      if (!k->gguf_name.empty())
        known += fmt::format("{}{}{}", known.empty() ? "" : ", ", k->gguf_name, k->is_moe() ? " with experts" : "");
    fail("{}: unknown architecture '{}'{} (supported: {})", path, arch, has_experts ? " with experts" : "", known);
  }
  Model m;
  m.format = "gguf";
  m.config = config_from_metadata(g, *a, arch);
  m.tokenizer = tokenizer_from_metadata(g);

  auto store = std::make_unique<WeightStore>(path);
  const MappedFile& mf = store->keep(file);
  bool has_output = false;
  for (const auto& t : g.tensors) {
    std::string canonical;
    if (gguf_to_canonical(t.name, canonical) != NameMatch::Mapped)
      fail("{}: tensor '{}' is not a known {} weight", path, t.name, arch);
    TensorView v;
    v.name = canonical;
    v.dtype = to_wdtype(t.type);
    v.shape.assign(t.ne.rbegin(), t.ne.rend());  // GGUF ne[] is innermost-first
    v.data = mf.data() + t.offset;
    v.nbytes = int64_t(t.nbytes);
    if (const char* w = gguf_stacked_expert(canonical)) {
      split_stacked_experts(*store, v, m.config, w, t.name, arch);
      continue;
    }
    if (canonical == "rope_freqs") {  // Llama 3.1 scaling as per-frequency divisors
      if (v.dtype != WDType::F32 || v.shape.size() != 1)
        fail("{}: tensor 'rope_freqs.weight' must be a 1-D F32 tensor", path);
      m.config.rope_freq_factors = v.to_f32();
      continue;
    }
    has_output |= canonical == "output";
    store->add(std::move(v));
  }
  m.config.tied_embeddings = !has_output;  // llama.cpp omits output.weight when tied
  m.config.validate(path);
  m.weights = std::move(store);
  check_weights_against_config(*m.weights, m.config);
  return m;
}

}  // namespace npulab::llm
