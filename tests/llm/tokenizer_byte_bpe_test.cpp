// Byte-level BPE (Llama 3 style) from tokenizer.json against the pure-python reference in
// tests/llm/fixtures/tokenizer/gen_bpe_fixtures.py (which also builds the tokenizer.json).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "llm/tokenizer/llama3_pretokenizer.h"
#include "llm/tokenizer/tokenizer.h"
#include "tokenizer_test_util.h"

namespace npulab::llm {
namespace {

const std::string kJson = "tests/llm/fixtures/tokenizer/byte_bpe_tokenizer.json";

const nlohmann::json& expected() {
  static const nlohmann::json j =
      nlohmann::json::parse(test::read_all(test::repo_path("tests/llm/fixtures/tokenizer/byte_bpe_expected.json")));
  return j;
}

TEST(ByteBpe, PreTokenizerMatchesRegex) {
  for (const auto& c : expected()["cases"]) {
    const auto text = c["text"].get<std::string>();
    std::vector<std::string> got;
    for (auto s : llama3_pretokenize(text)) got.emplace_back(s);
    EXPECT_EQ(got, c["chunks"].get<std::vector<std::string>>()) << "text: " << text;
  }
}

TEST(ByteBpe, EncodeDecodeMatchReference) {
  const auto tok = load_tokenizer(test::repo_path(kJson));  // detected by sniffing
  EXPECT_EQ(tok->vocab_size(), expected()["vocab_size"].get<size_t>());
  EXPECT_EQ(tok->bos_id(), expected()["bos_id"].get<int>());
  EXPECT_EQ(tok->eos_id(), expected()["eos_id"].get<int>());
  size_t round_trips = 0;
  for (const auto& c : expected()["cases"]) {
    const auto text = c["text"].get<std::string>();
    const auto ids = c["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(tok->encode(text, false), ids) << "text: " << text;
    auto with_bos = ids;
    with_bos.insert(with_bos.begin(), tok->bos_id());
    EXPECT_EQ(tok->encode(text, true), with_bos) << "text: " << text;
    const auto decoded = c["decoded"].get<std::string>();
    EXPECT_EQ(tok->decode(ids), decoded) << "text: " << text;
    round_trips += decoded == text;
    std::string streamed;
    for (size_t i = 0; i < ids.size(); ++i) streamed += tok->decode_piece(i ? ids[i - 1] : -1, ids[i]);
    EXPECT_EQ(streamed, decoded) << "streaming, text: " << text;
  }
  EXPECT_GT(round_trips, 20u);
}

TEST(ByteBpe, WithoutIgnoreMerges) {
  auto j = nlohmann::json::parse(test::read_all(test::repo_path(kJson)));
  j["model"]["ignore_merges"] = false;
  const auto tok = load_tokenizer(test::write_temp("no_ignore.json", j.dump()), "hf-byte-bpe");
  size_t differ = 0;
  for (const auto& c : expected()["cases"]) {
    const auto want = c["ids_no_ignore_merges"].get<std::vector<int32_t>>();
    EXPECT_EQ(tok->encode(c["text"].get<std::string>(), false), want);
    differ += want != c["ids"].get<std::vector<int32_t>>();
  }
  EXPECT_GT(differ, 0u);  // the fixture really exercises ignore_merges
}

void expect_json_error(const std::string& name, const nlohmann::json& j, const std::string& needle) {
  const auto path = test::write_temp(name, j.dump());
  try {
    load_tokenizer(path, "hf-byte-bpe");
    ADD_FAILURE() << "no error for " << name;
  } catch (const npulab::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(ByteBpe, BadFiles) {
  const auto good = nlohmann::json::parse(test::read_all(test::repo_path(kJson)));
  const auto path = test::write_temp("trunc.json", test::read_all(test::repo_path(kJson)).substr(0, 500));
  EXPECT_THROW(load_tokenizer(path, "hf-byte-bpe"), npulab::Error);
  auto j = good;
  j.erase("model");
  expect_json_error("nomodel.json", j, "structure");
  j = good;
  j["model"]["merges"].push_back("nosuch token");
  expect_json_error("badmerge.json", j, "not in the vocabulary");
  j = good;
  j["model"]["vocab"]["gap"] = 5000;
  expect_json_error("gap.json", j, "missing");
  j = good;
  j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "\\s+";
  expect_json_error("regex.json", j, "Llama 3 pattern");
  j = good;
  j["pre_tokenizer"] = {{"type", "Whitespace"}};
  expect_json_error("ws.json", j, "byte-level");
  j = good;
  j["model"]["type"] = "WordPiece";
  expect_json_error("wp.json", j, "only 'BPE'");
  const auto tok = load_tokenizer(test::repo_path(kJson));
  EXPECT_THROW(tok->decode(std::vector<int32_t>{1, 99999}), npulab::Error);
}

}  // namespace
}  // namespace npulab::llm

namespace npulab::llm {
namespace {
TEST(ByteBpe, LongChunksRoundTrip) {  // long whitespace runs and words stay fast and lossless
  const auto tok = load_tokenizer(test::repo_path(kJson));
  const std::string text = std::string(5000, ' ') + std::string(3000, 'a') + " zebra\n" + std::string(2000, '\n');
  const auto ids = tok->encode(text, true);
  EXPECT_LT(ids.size(), text.size());
  EXPECT_EQ(tok->decode(ids), text);
}
}  // namespace
}  // namespace npulab::llm
