// Helpers shared by the tokenizer tests.
#pragma once
#include <fstream>
#include <string>

namespace npulab::llm::test {

inline std::string repo_path(const std::string& rel) { return std::string(NPULAB_SOURCE_DIR) + "/" + rel; }

inline std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

inline std::string write_temp(const std::string& name, const std::string& bytes) {
  const std::string path = ::testing::TempDir() + "npulab_tok_" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

}  // namespace npulab::llm::test
