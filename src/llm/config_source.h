// Where a run that needs no weights (timing-only, the GPU model) gets a model's shape: a
// built-in config name (builtin_configs.h), a Hugging Face config.json, or a Hugging Face
// directory that holds a config.json but no weights (a user timing their own shape).
#pragma once
#include <optional>
#include <string>

#include "llm/model_config.h"

namespace npulab::llm {

// The config when `model` is one of those sources; nullopt when it is a checkpoint to load
// (llama2.c .bin, GGUF, a Hugging Face directory with weights). Throws npulab::Error naming
// the file for a config.json that does not parse.
std::optional<ModelConfig> weightless_config(const std::string& model);

// weightless_config, else the checkpoint's own config (its file is mapped, its weights are
// not read).
ModelConfig config_of(const std::string& model);

}  // namespace npulab::llm
