// SentencePiece BPE against Debian's python3-sentencepiece (fixture written by
// tests/llm/fixtures/tokenizer/gen_sp_fixtures.py) for both Llama 2 tokenizer files.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "llm/tokenizer/tokenizer.h"
#include "tokenizer_test_util.h"

namespace npulab::llm {
namespace {

const nlohmann::json& expected() {
  static const nlohmann::json j =
      nlohmann::json::parse(test::read_all(test::repo_path("tests/llm/fixtures/tokenizer/sp_llama2_expected.json")));
  return j;
}

class SpLlama2 : public ::testing::TestWithParam<const char*> {
 protected:
  std::unique_ptr<Tokenizer> load() const { return load_tokenizer(test::repo_path(GetParam())); }
};

TEST_P(SpLlama2, SpecialIds) {
  const auto tok = load();
  EXPECT_EQ(tok->vocab_size(), expected()["vocab_size"].get<size_t>());
  EXPECT_EQ(tok->bos_id(), expected()["bos_id"].get<int>());
  EXPECT_EQ(tok->eos_id(), expected()["eos_id"].get<int>());
  EXPECT_EQ(tok->piece(1), "<s>");
  EXPECT_EQ(tok->piece(13), "<0x0A>");
  EXPECT_EQ(tok->piece(29871), "\xE2\x96\x81");
}

TEST_P(SpLlama2, EncodeMatchesSentencepiece) {
  const auto tok = load();
  size_t n = 0;
  for (const auto& c : expected()["cases"]) {
    const auto text = c["text"].get<std::string>();
    const auto want = c["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(tok->encode(text, false), want) << "text: " << text;
    auto with_bos = want;
    with_bos.insert(with_bos.begin(), tok->bos_id());
    EXPECT_EQ(tok->encode(text, true), with_bos) << "text: " << text;
    const auto pieces = c["pieces"].get<std::vector<std::string>>();
    for (size_t i = 0; i < want.size() && i < pieces.size(); ++i) EXPECT_EQ(tok->piece(want[i]), pieces[i]);
    ++n;
  }
  EXPECT_GT(n, 50u);
}

TEST_P(SpLlama2, DecodeMatchesSentencepiece) {
  const auto tok = load();
  size_t round_trips = 0;
  for (const auto& c : expected()["cases"]) {
    const auto text = c["text"].get<std::string>();
    const auto ids = c["ids"].get<std::vector<int32_t>>();
    const auto want = c["decoded"].get<std::string>();
    EXPECT_EQ(tok->decode(ids), want) << "text: " << text;
    if (want == text) {  // everything round-trips except text that contains U+2581 itself
      EXPECT_EQ(tok->decode(tok->encode(text, true)), text);
      ++round_trips;
    }
    // Streaming: the pieces of BOS + ids concatenate to the same text.
    std::string streamed;
    int32_t prev = tok->bos_id();
    for (int32_t id : ids) {
      streamed += tok->decode_piece(prev, id);
      prev = id;
    }
    EXPECT_EQ(streamed, want) << "streaming, text: " << text;
  }
  EXPECT_GT(round_trips, 50u);
  for (const auto& c : expected()["decode_cases"])
    EXPECT_EQ(tok->decode(c["ids"].get<std::vector<int32_t>>()), c["decoded"].get<std::string>()) << c["ids"].dump();
}

TEST_P(SpLlama2, InvalidUtf8BecomesReplacementCharacter) {
  const auto tok = load();
  // sentencepiece's normalizer maps each malformed byte to U+FFFD before BPE.
  EXPECT_EQ(tok->encode("a\xFF" "b", false), tok->encode("a\xEF\xBF\xBD" "b", false));
  EXPECT_EQ(tok->encode("\xC3", false), tok->encode("\xEF\xBF\xBD", false));
}

TEST_P(SpLlama2, OutOfRangeIdsThrow) {
  const auto tok = load();
  const std::vector<int32_t> bad{1, 32000};
  EXPECT_THROW(tok->decode(bad), npulab::Error);
  EXPECT_THROW(tok->decode_piece(1, -1), npulab::Error);
  EXPECT_THROW((void)tok->piece(40000), npulab::Error);
}

INSTANTIATE_TEST_SUITE_P(Files, SpLlama2,
                         ::testing::Values("models/llama2-tokenizer.model", "models/llama2-tokenizer.bin"),
                         [](const auto& info) { return std::string(info.index == 0 ? "model" : "bin"); });

TEST(TokenizerRegistry, FormatsByName) {
  std::vector<std::string> names;
  for (const auto& f : tokenizer_formats()) names.emplace_back(f.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "sentencepiece"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "llama2c"), names.end());
  const auto a = load_tokenizer(test::repo_path("models/llama2-tokenizer.model"), "sentencepiece");
  const auto b = load_tokenizer(test::repo_path("models/llama2-tokenizer.bin"), "llama2c");
  EXPECT_EQ(a->encode("same ids from both files", true), b->encode("same ids from both files", true));
  EXPECT_THROW(load_tokenizer(test::repo_path("models/llama2-tokenizer.bin"), "no-such-format"), npulab::Error);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << "duplicate format name";
}

}  // namespace
}  // namespace npulab::llm
