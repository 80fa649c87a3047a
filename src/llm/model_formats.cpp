// The checkpoint-format registry: one table entry per format, probed in order.
#include <fmt/format.h>

#include <filesystem>

#include "common/error.h"
#include "llm/model.h"

namespace npulab::llm {

const std::vector<ModelFormat>& model_formats() {
  // Formats with a magic number or a distinctive layout first; llama2.c v0 has no magic and
  // is recognised only by its header matching the file size exactly.
  static const std::vector<ModelFormat> formats = {
      {"gguf", probe_gguf, load_gguf},
      {"hf", probe_hf_dir, load_hf_dir},
      {"llama2c", probe_llama2c, load_llama2c, resembles_llama2c},
  };
  return formats;
}

Model load_model(const std::string& path, const std::string& format) {
  for (const auto& f : model_formats())
    if (format == f.name) return f.load(path);
  std::string known;
  for (const auto& f : model_formats()) known += std::string(known.empty() ? "" : ", ") + f.name;
  fail("{}: unknown model format '{}' (known: {})", path, format, known);
}

Model load_model(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec) && std::filesystem::file_size(path, ec) == 0 && !ec)
    fail("{}: empty file (expected a GGUF file, a Hugging Face directory or a llama2.c checkpoint)", path);
  for (const auto& f : model_formats())
    if (f.probe(path)) return f.load(path);
  for (const auto& f : model_formats())
    if (f.resembles && f.resembles(path)) return f.load(path);  // throws naming the defect
  fail("{}: not a recognised model (expected a GGUF file, a Hugging Face directory with "
       "config.json, or a llama2.c v0 checkpoint whose header matches its size)", path);
}

}  // namespace npulab::llm
