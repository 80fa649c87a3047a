// The text of a file of the source tree (hw/*.toml, docs), for tests that edit or check it.
#pragma once
#include <fstream>
#include <sstream>
#include <string>

namespace npulab::arch::testing_util {

inline std::string read_text(const std::string& rel) {
  std::ifstream f(std::string(NPULAB_SOURCE_DIR) + "/" + rel);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace npulab::arch::testing_util
