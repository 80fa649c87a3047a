// Hugging Face config.json -> ModelConfig, driven by a table of supported architectures.
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "llm/model_config.h"

namespace npulab::llm {

// `where` names the file for error messages. Throws npulab::Error for an unknown
// "architectures" entry, missing/ill-typed keys, unsupported rope_scaling, or an
// inconsistent result (ModelConfig::validate).
ModelConfig parse_hf_config(const nlohmann::json& j, const std::string& where);
ModelConfig parse_hf_config_text(const std::string& text, const std::string& where);

}  // namespace npulab::llm
