// Helpers of the hw-file tests (tests/arch/*_load_test.cpp): the source tree's hw/ as a
// search path, the text of a source file, an edit of it, and an expected npulab::Error.
#pragma once
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "arch/chip_search.h"
#include "common/error.h"

namespace npulab::arch::testing_util {

inline std::string read_text(const std::string& rel) {
  std::ifstream f(std::string(NPULAB_SOURCE_DIR) + "/" + rel);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The source tree's hw/ folder (not the build's copy), so tests read the committed files.
inline ChipSearchPath source_hw() { return ChipSearchPath::from_list(std::string(NPULAB_SOURCE_DIR) + "/hw", "test"); }

// `text` with the first `from` replaced by `to`; a missing `from` fails the test.
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

// f throws an npulab::Error whose message contains every one of `parts`.
inline void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "loaded without error";
  } catch (const Error& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << p << " in: " << e.what();
  }
}

}  // namespace npulab::arch::testing_util
