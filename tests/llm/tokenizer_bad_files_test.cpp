// Broken tokenizer files give npulab::Error with a message naming the file, never a crash.
#include <gtest/gtest.h>

#include <random>

#include "common/error.h"
#include "llm/tokenizer/tokenizer.h"
#include "tokenizer_test_util.h"

namespace npulab::llm {
namespace {

// Expects load to throw npulab::Error whose message contains the path and `needle`.
void expect_error(const std::string& path, std::string_view format, const std::string& needle = "") {
  try {
    load_tokenizer(path, format);
    ADD_FAILURE() << "no error for " << path;
  } catch (const npulab::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << "wanted '" << needle << "' in: " << msg;
  }
}

TEST(TokenizerBadFiles, MissingAndUnrecognised) {
  expect_error("/nonexistent/tokenizer.model", "auto", "cannot open");
  expect_error(test::write_temp("empty", ""), "auto", "not a recognised tokenizer file");
  expect_error(test::write_temp("garbage", "\xFF\xFE garbage that is no tokenizer"), "auto", "not a recognised");
}

TEST(TokenizerBadFiles, TruncatedModelProto) {
  const std::string full = test::read_all(test::repo_path("models/llama2-tokenizer.model"));
  ASSERT_GT(full.size(), 1000u);
  std::mt19937 rng(5);
  std::vector<size_t> cuts = {1, 2, 3, 5, 17, 100, full.size() / 2, full.size() - 1, full.size() - 7};
  for (int i = 0; i < 20; ++i) cuts.push_back(rng() % full.size());
  for (size_t cut : cuts) {
    // Every prefix is invalid: mid-field cuts fail on lengths, cuts between pieces lose the
    // trainer spec (so the model type is not BPE).
    const auto path = test::write_temp("trunc.model", full.substr(0, cut));
    EXPECT_THROW(load_tokenizer(path, "sentencepiece"), npulab::Error) << "cut at " << cut;
  }
  expect_error(test::write_temp("trunc2.model", full.substr(0, 3)), "sentencepiece", "runs past the end");
}

TEST(TokenizerBadFiles, CorruptModelProto) {
  std::string data = test::read_all(test::repo_path("models/llama2-tokenizer.model"));
  // The first field is `pieces` (0x0A) with a one-byte length; make that length huge.
  ASSERT_EQ(static_cast<uint8_t>(data[0]), 0x0A);
  std::string huge = data;
  huge.replace(1, 1, "\xFF\xFF\xFF\xFF\x0F");
  expect_error(test::write_temp("hugelen.model", huge), "sentencepiece", "runs past the end");
  // A piece's type outside the enum.
  const std::string bad_type = std::string("\x0A\x07\x0A\x01" "a" "\x18\x63\x15\x00", 10);
  expect_error(test::write_temp("badtype.model", bad_type), "sentencepiece", "");
  // Wrong wire type for a known field (piece text given as varint).
  expect_error(test::write_temp("wiretype.model", std::string("\x0A\x02\x08\x01", 4)), "sentencepiece",
               "wire type");
  // A runaway varint.
  expect_error(test::write_temp("varint.model", std::string(12, '\xFF')), "sentencepiece", "varint");
}

TEST(TokenizerBadFiles, TruncatedLlama2cBin) {
  const std::string full = test::read_all(test::repo_path("models/llama2-tokenizer.bin"));
  // Cuts inside a token record (the first tokens: header 4 bytes, "<unk>" record 13 bytes).
  for (size_t cut : {size_t{2}, size_t{6}, size_t{10}, size_t{15}, full.size() - 3})
    EXPECT_THROW(load_tokenizer(test::write_temp("trunc.bin", full.substr(0, cut)), "llama2c"), npulab::Error)
        << "cut at " << cut;
  expect_error(test::write_temp("trunc3.bin", full.substr(0, full.size() - 3)), "llama2c", "left");
  std::string bad_len = full;
  bad_len[8] = '\x7F';  // first token length 127 > max_token_length 27
  expect_error(test::write_temp("badlen.bin", bad_len), "llama2c", "max_token_length");
  std::string bad_max = full;
  bad_max[0] = 0, bad_max[1] = 0, bad_max[2] = 0, bad_max[3] = '\x80';  // negative
  expect_error(test::write_temp("badmax.bin", bad_max), "llama2c", "max_token_length");
}

}  // namespace
}  // namespace npulab::llm
