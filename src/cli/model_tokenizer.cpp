#include "cli/model_tokenizer.h"

#include <fmt/format.h>

#include <filesystem>

#include "common/error.h"
#include "llm/tokenizer/tokenizer_from_gguf.h"

namespace npulab::cli {

std::unique_ptr<llm::Tokenizer> model_tokenizer(const std::string& model_path, const llm::Model* model,
                                                const std::string& tokenizer_path, const char* command) {
  std::unique_ptr<llm::Tokenizer> tok;
  if (!tokenizer_path.empty()) return llm::load_tokenizer(tokenizer_path);
  if (model && std::filesystem::is_directory(model_path)) {
    // A Hugging Face directory may carry its tokenizer; use it when a registered format
    // reads it, else fall back to token ids (said on stderr).
    for (const char* name : {"tokenizer.model", "tokenizer.json"}) {
      const std::string path = (std::filesystem::path(model_path) / name).string();
      if (!std::filesystem::exists(path)) continue;
      try {
        return llm::load_tokenizer(path);
      } catch (const Error& e) {
        fmt::print(stderr, "npulab {}: tokenizer {} not usable ({}); printing token ids\n", command, path, e.what());
      }
    }
  }
  if (model && model->tokenizer) {
    // A GGUF checkpoint carries its tokenizer in its metadata (tokenizer.ggml.*).
    try {
      return llm::tokenizer_from_gguf(*model->tokenizer, model_path);
    } catch (const Error& e) {
      fmt::print(stderr, "npulab {}: embedded tokenizer of {} not usable ({}); printing token ids\n", command,
                 model_path, e.what());
    }
  }
  return tok;
}

}  // namespace npulab::cli
