// Tokenizers built from a GGUF's embedded tokenizer.ggml.* data, against ids produced outside
// npulab by tests/llm/fixtures/tokenizer/gen_gguf_tokenizer.py: sentencepiece itself for a
// reduced Llama 2 vocabulary ("llama"), gen_bpe_fixtures.py's Python BPE for "gpt2".
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "llm/model.h"
#include "llm/tokenizer/tokenizer_from_gguf.h"
#include "tokenizer_test_util.h"

namespace npulab::llm {
namespace {

const std::string kDir = "tests/llm/fixtures/tokenizer/";

nlohmann::json read_json(const std::string& name) {
  return nlohmann::json::parse(test::read_all(test::repo_path(kDir + name)));
}

EmbeddedTokenizer load_embedded(const std::string& name) {
  const auto t = load_gguf_tokenizer(test::repo_path(kDir + name));
  if (!t) throw std::runtime_error(name + " carries no tokenizer");
  return *t;
}

TEST(GgufTokenizer, LlamaSentencePieceMatchesSentencepiece) {
  const nlohmann::json exp = read_json("llama2_reduced_gguf_expected.json");
  const EmbeddedTokenizer et = load_embedded("llama2_reduced.gguf");
  EXPECT_EQ(et.model, "llama");
  ASSERT_EQ(et.add_space_prefix, true);
  const auto tok = tokenizer_from_gguf(et, "llama2_reduced.gguf");
  EXPECT_EQ(tok->vocab_size(), exp["vocab_size"].get<size_t>());
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  bool byte_fallback_seen = false;
  for (const auto& c : exp["cases"]) {
    const auto text = c["text"].get<std::string>();
    const auto ids = c["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(tok->encode(text, false), ids) << "text: " << text;
    auto with_bos = ids;
    with_bos.insert(with_bos.begin(), 1);
    EXPECT_EQ(tok->encode(text, true), with_bos) << "text: " << text;
    EXPECT_EQ(tok->decode(ids), text) << "text: " << text;  // byte fallback makes it lossless
    for (int32_t id : ids) byte_fallback_seen |= id >= 3 && id < 259;
  }
  EXPECT_TRUE(byte_fallback_seen);  // the CJK/emoji case goes through <0xXX> pieces
}

TEST(GgufTokenizer, Gpt2ByteLevelMatchesReference) {
  const nlohmann::json exp = read_json("byte_bpe_expected.json");
  const auto tok = tokenizer_from_gguf(load_embedded("byte_bpe.gguf"), "byte_bpe.gguf");
  EXPECT_EQ(tok->vocab_size(), exp["vocab_size"].get<size_t>());
  EXPECT_EQ(tok->bos_id(), exp["bos_id"].get<int>());
  EXPECT_EQ(tok->eos_id(), exp["eos_id"].get<int>());
  for (const auto& c : exp["cases"]) {
    const auto text = c["text"].get<std::string>();
    EXPECT_EQ(tok->encode(text, false), c["ids"].get<std::vector<int32_t>>()) << "text: " << text;
    EXPECT_EQ(tok->decode(c["ids"].get<std::vector<int32_t>>()), c["decoded"].get<std::string>());
  }
  // Control tokens are split out of the text as specials.
  const auto ids = tok->encode("<|begin_of_text|>Hello", false);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids[0], exp["bos_id"].get<int>());
}

TEST(GgufTokenizer, ErrorsNameTheSourceAndKey) {
  EmbeddedTokenizer t = load_embedded("llama2_reduced.gguf");
  auto expect_error = [](const EmbeddedTokenizer& e, const std::string& what) {
    try {
      (void)tokenizer_from_gguf(e, "m.gguf");
      ADD_FAILURE() << "expected an error containing: " << what;
    } catch (const Error& err) {
      EXPECT_NE(std::string(err.what()).find(what), std::string::npos) << err.what();
    }
  };
  EmbeddedTokenizer bad = t;
  bad.model = "bert";
  expect_error(bad, "m.gguf: tokenizer.ggml.model 'bert' is not supported");
  bad = t;
  bad.bos_id = 1 << 20;
  expect_error(bad, "tokenizer.ggml.bos_token_id = 1048576 is outside the vocabulary");
  bad = t;
  bad.token_types[5] = 9;
  expect_error(bad, "tokenizer.ggml.token_type[5] = 9 is not a token type");
  EmbeddedTokenizer g = load_embedded("byte_bpe.gguf");
  bad = g;
  bad.pre = "qwen2";
  expect_error(bad, "tokenizer.ggml.pre 'qwen2' is not supported");
  bad = g;
  bad.merges[0] = "nospace";
  expect_error(bad, "tokenizer.ggml.merges[0] 'nospace' is not 'left right'");
  // A GGUF without tokenizer metadata gives nullopt, a non-GGUF file an error.
  EXPECT_THROW((void)load_gguf_tokenizer(test::repo_path(kDir + "byte_bpe_tokenizer.json")), Error);
}

}  // namespace
}  // namespace npulab::llm
