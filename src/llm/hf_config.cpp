// config.json -> ModelConfig. The keys every Llama-family config shares are read here; what
// differs between families (q/k/v biases, sliding window, experts) is decided by the
// architecture's description (llm/architecture.h, one file per family in llm/arch/).
#include "llm/hf_config.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "llm/architecture.h"
#include "llm/json_strict.h"

namespace npulab::llm {
namespace {

int64_t get_int(const nlohmann::json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) fail("{}: missing key '{}'", where, key);
  if (!it->is_number_integer()) fail("{}: key '{}' must be an integer", where, key);
  return it->get<int64_t>();
}
int64_t get_int_or(const nlohmann::json& j, const char* key, int64_t dflt,
                   const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return dflt;
  if (!it->is_number_integer()) fail("{}: key '{}' must be an integer", where, key);
  return it->get<int64_t>();
}
double get_num_or(const nlohmann::json& j, const char* key, double dflt,
                  const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return dflt;
  if (!it->is_number()) fail("{}: key '{}' must be a number", where, key);
  return it->get<double>();
}
bool get_bool_or(const nlohmann::json& j, const char* key, bool dflt, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return dflt;
  if (!it->is_boolean()) fail("{}: key '{}' must be true or false", where, key);
  return it->get<bool>();
}

void parse_rope_scaling(const nlohmann::json& j, ModelConfig& c, const std::string& where) {
  auto it = j.find("rope_scaling");
  if (it == j.end() || it->is_null()) return;
  if (!it->is_object()) fail("{}: 'rope_scaling' must be an object or null", where);
  const auto& rs = *it;
  // Newer configs say "rope_type", older ones "type".
  std::string type;
  if (auto t = rs.find("rope_type"); t != rs.end() && t->is_string()) type = t->get<std::string>();
  else if (auto t2 = rs.find("type"); t2 != rs.end() && t2->is_string()) type = t2->get<std::string>();
  if (type == "default") return;
  if (type != "llama3")
    fail("{}: rope_scaling type '{}' is not supported (supported: llama3)", where, type);
  c.rope_scaling.enabled = true;
  c.rope_scaling.factor = get_num_or(rs, "factor", 8.0, where);
  c.rope_scaling.low_freq_factor = get_num_or(rs, "low_freq_factor", 1.0, where);
  c.rope_scaling.high_freq_factor = get_num_or(rs, "high_freq_factor", 4.0, where);
  c.rope_scaling.original_max_position =
      get_int_or(rs, "original_max_position_embeddings", 8192, where);
}

std::vector<int64_t> parse_ids(const nlohmann::json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_number_integer()) return {it->get<int64_t>()};
  if (it->is_array()) {
    std::vector<int64_t> out;
    for (const auto& v : *it) {
      if (!v.is_number_integer()) fail("{}: '{}' entries must be integers", where, key);
      out.push_back(v.get<int64_t>());
    }
    return out;
  }
  fail("{}: '{}' must be an integer or a list of integers", where, key);
}

[[noreturn]] void unknown_architecture(const std::string& where, const std::string& name) {
  std::string known;
  for (const Architecture* a : architectures())
    known += fmt::format("{}{} ({})", known.empty() ? "" : ", ", a->hf_model_type, a->hf_class);
  fail("{}: unknown architecture '{}' (supported model_type (class): {})", where, name, known);
}

// The architecture a config names by "model_type" and by its first "architectures" class;
// either may be missing, but both must be known and agree when given.
const Architecture& hf_architecture(const nlohmann::json& j, const std::string& where) {
  const Architecture* by_type = nullptr;
  std::string model_type;
  if (auto mt = j.find("model_type"); mt != j.end() && !mt->is_null()) {
    if (!mt->is_string()) fail("{}: key 'model_type' must be a string", where);
    model_type = mt->get<std::string>();
    by_type = find_hf_model_type(model_type);
    if (!by_type) unknown_architecture(where, model_type);
  }
  auto archs = j.find("architectures");
  if (archs == j.end() || !archs->is_array() || archs->empty() || !(*archs)[0].is_string()) {
    if (by_type) return *by_type;
    fail("{}: missing 'architectures' list (and no 'model_type')", where);
  }
  const std::string hf_class = (*archs)[0].get<std::string>();
  const Architecture* by_class = find_hf_class(hf_class);
  if (!by_class) unknown_architecture(where, hf_class);
  if (by_type && by_type != by_class)
    fail("{}: model_type '{}' is architecture '{}' but architectures[0] '{}' is '{}'", where, model_type,
         by_type->name, hf_class, by_class->name);
  return *by_class;
}

bool has_qkv_bias(const Architecture& a, const nlohmann::json& j, const std::string& where) {
  switch (a.qkv_bias) {
    case QkvBias::Never: return false;
    case QkvBias::Always: return true;
    case QkvBias::FromConfig: return get_bool_or(j, "attention_bias", false, where);
  }
  return false;
}

int64_t sliding_window(const Architecture& a, const nlohmann::json& j, const std::string& where) {
  switch (a.hf_window) {
    case SlidingWindow::None: return 0;
    case SlidingWindow::Default:
      return get_bool_or(j, "use_sliding_window", true, where) ? get_int_or(j, "sliding_window", 0, where) : 0;
    case SlidingWindow::OptIn:
      return get_bool_or(j, "use_sliding_window", false, where) ? get_int_or(j, "sliding_window", 0, where) : 0;
  }
  return 0;
}

}  // namespace

ModelConfig parse_hf_config(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) fail("{}: config must be a JSON object", where);
  const Architecture& a = hf_architecture(j, where);
  ModelConfig c;
  c.arch = std::string(a.name);
  c.name = where;
  c.rope_convention = RopeConvention::HalfSplit;  // HF rows are in rotate_half order
  c.dim = get_int(j, "hidden_size", where);
  c.n_layers = get_int(j, "num_hidden_layers", where);
  c.n_heads = get_int(j, "num_attention_heads", where);
  c.n_kv_heads = get_int_or(j, "num_key_value_heads", c.n_heads, where);
  const bool states_head_dim = j.contains("head_dim") && !j["head_dim"].is_null();
  c.head_dim = states_head_dim ? get_int(j, "head_dim", where) : implied_head_dim(c.dim, c.n_heads, where, "head_dim");
  c.hidden_dim = get_int(j, "intermediate_size", where);
  c.vocab_size = get_int(j, "vocab_size", where);
  c.max_seq_len = get_int_or(j, "max_position_embeddings", 2048, where);
  c.rope_theta = get_num_or(j, "rope_theta", 10000.0, where);
  c.rms_eps = get_num_or(j, "rms_norm_eps", 1e-6, where);
  c.tied_embeddings = get_bool_or(j, "tie_word_embeddings", false, where);
  c.qkv_bias = has_qkv_bias(a, j, where);
  c.sliding_window = sliding_window(a, j, where);
  if (a.is_moe()) {
    c.n_experts = get_int(j, std::string(a.moe.hf_num_experts).c_str(), where);
    c.n_experts_per_tok = get_int(j, std::string(a.moe.hf_top_k).c_str(), where);
  }
  parse_rope_scaling(j, c, where);
  auto bos = parse_ids(j, "bos_token_id", where);
  c.bos_id = bos.empty() ? 1 : bos.front();
  c.eos_ids = parse_ids(j, "eos_token_id", where);
  c.validate(where);
  return c;
}

ModelConfig parse_hf_config_text(const std::string& text, const std::string& where) {
  return parse_hf_config(parse_json_strict(text, where), where);
}

}  // namespace npulab::llm
