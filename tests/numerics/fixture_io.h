// Reads the reference fixtures written by tests/numerics/gen_fixtures.py.
#pragma once
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace npulab::test {

inline std::vector<uint32_t> read_u32_fixture(const std::string& name) {
  const std::string path = std::string(NPULAB_SOURCE_DIR) + "/tests/numerics/fixtures/" + name;
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing fixture " << path << " (run gen_fixtures.py)";
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<uint32_t> out(bytes.size() / 4);
  for (size_t i = 0; i < out.size(); ++i) {  // files are little endian
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data()) + 4 * i;
    out[i] = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
  }
  return out;
}

struct EncodeCase {
  float in;
  uint32_t expected;
};

inline std::vector<EncodeCase> read_encode_fixture(const std::string& fmt) {
  const auto raw = read_u32_fixture("encode_" + fmt + ".bin");
  std::vector<EncodeCase> out;
  for (size_t i = 0; i + 1 < raw.size(); i += 2) out.push_back({std::bit_cast<float>(raw[i]), raw[i + 1]});
  EXPECT_GT(out.size(), 1000u) << fmt;
  return out;
}

inline uint32_t bits(float x) { return std::bit_cast<uint32_t>(x); }

}  // namespace npulab::test
