#include "llm/config_source.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "llm/builtin_configs.h"
#include "llm/hf_config.h"
#include "llm/model.h"

namespace npulab::llm {

namespace fs = std::filesystem;

namespace {
bool has_weights(const fs::path& dir) {
  return fs::exists(dir / "model.safetensors") || fs::exists(dir / "model.safetensors.index.json");
}
}  // namespace

std::optional<ModelConfig> weightless_config(const std::string& model) {
  if (auto c = builtin_config(model)) return c;
  fs::path p(model);
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    if (has_weights(p) || !fs::exists(p / "config.json")) return std::nullopt;
    p /= "config.json";
  } else if (p.filename() != "config.json") {
    return std::nullopt;
  }
  std::ifstream in(p);
  if (!in) fail("{}: cannot read the Hugging Face config", p.string());
  std::stringstream text;
  text << in.rdbuf();
  ModelConfig c = parse_hf_config_text(text.str(), p.string());
  c.name = model;
  return c;
}

ModelConfig config_of(const std::string& model) {
  if (auto c = weightless_config(model)) return *c;
  return load_model(model).config;
}

}  // namespace npulab::llm
