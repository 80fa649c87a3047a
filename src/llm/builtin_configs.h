// Built-in configs of well-known models, for timing-only runs that hold no weights.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "llm/model_config.h"

namespace npulab::llm {

// Names: llama-3.1-8b, llama-3.1-70b, llama-3.1-405b, llama-3.3-70b, mixtral-8x7b,
// qwen2.5-72b, llama-2-7b, llama-2-13b, llama-2-70b, llama-3-8b, llama-3-70b (case-insensitive). nullopt for unknown names.
std::optional<ModelConfig> builtin_config(const std::string& name);
std::vector<std::string> builtin_config_names();

}  // namespace npulab::llm
