// Shared helpers for the llm tests: fixture paths, JSON fixtures, scratch files.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"
#include "llm/model.h"
#include "llm/reference/forward.h"
#include "llm/reference/sampler.h"
#include "llm/runtime/model_runner.h"

namespace npulab::llm::test {

inline std::string repo_path(const std::string& rel) {
  return std::string(NPULAB_SOURCE_DIR) + "/" + rel;
}
inline std::string tiny_path(const std::string& name) {
  return repo_path("tests/llm/fixtures/tiny/" + name);
}

inline nlohmann::json read_json(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot open fixture " + path);
  return nlohmann::json::parse(f);
}

inline std::vector<char> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// A fresh scratch directory per test, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           (std::string("npulab_llm_") + info->test_suite_name() + "_" + info->name() + "_" +
            std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~ScratchDir() { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const void* data, size_t n) const {
    std::ofstream f(path(name), std::ios::binary);
    f.write(static_cast<const char*>(data), std::streamsize(n));
    return path(name);
  }
  std::string write(const std::string& name, const std::vector<char>& b) const {
    return write(name, b.data(), b.size());
  }
  std::string write(const std::string& name, const std::string& s) const {
    return write(name, s.data(), s.size());
  }

 private:
  std::filesystem::path dir_;
};

// Greedy decoding with the reference model: feed `prompt`, then `steps` argmax tokens,
// without stopping at EOS (tests compare every step).
// Greedy tokens from the compiled programs: prefill the prompt, then decode one token a step.
inline std::vector<int64_t> greedy(runtime::ModelRunner& r, const std::vector<int64_t>& prompt, int64_t steps) {
  auto logits = r.prefill(prompt);
  std::vector<int64_t> out;
  for (int64_t s = 0; s < steps; ++s) {
    out.push_back(reference::argmax(logits));
    if (s + 1 < steps) logits = r.decode({out.back()});
  }
  return out;
}

inline std::vector<int64_t> greedy(reference::ReferenceModel& m, const std::vector<int64_t>& prompt,
                                   int64_t steps) {
  m.reset();
  std::span<const float> logits;
  int64_t pos = 0;
  for (int64_t t : prompt) logits = m.forward(t, pos++);
  std::vector<int64_t> out;
  for (int64_t s = 0; s < steps; ++s) {
    out.push_back(reference::argmax(logits));
    if (s + 1 < steps) logits = m.forward(out.back(), pos++);
  }
  return out;
}

// Expects `msg` to throw npulab::Error whose message contains every needle.
#define EXPECT_ERROR_CONTAINS(stmt, ...)                                              \
  do {                                                                                \
    try {                                                                             \
      stmt;                                                                           \
      ADD_FAILURE() << "expected npulab::Error from: " #stmt;                         \
    } catch (const npulab::Error& e) {                                                \
      for (const char* needle : {__VA_ARGS__})                                        \
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)              \
            << "message '" << e.what() << "' lacks '" << needle << "'";               \
    }                                                                                 \
  } while (0)

}  // namespace npulab::llm::test
