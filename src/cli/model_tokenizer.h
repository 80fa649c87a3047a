// The tokenizer that goes with a model on the command line: --tokenizer FILE, else the one a
// Hugging Face directory carries (tokenizer.model, tokenizer.json), else the one a GGUF file
// embeds; null when there is none (callers print ids or refuse text). A tokenizer that is
// present but unusable is reported on stderr under `command`'s name.
#pragma once
#include <memory>
#include <string>

#include "llm/model.h"
#include "llm/tokenizer/tokenizer.h"

namespace npulab::cli {

std::unique_ptr<llm::Tokenizer> model_tokenizer(const std::string& model_path, const llm::Model* model,
                                                const std::string& tokenizer_path, const char* command);

}  // namespace npulab::cli
