// GGUF tokenizer.ggml.* -> Tokenizer, following llama.cpp's reading of the same keys
// (llama-vocab.cpp): token types use sentencepiece's numbering (1 normal, 2 unknown,
// 3 control, 4 user-defined, 5 unused, 6 byte); a "llama" vocabulary with byte tokens uses
// byte fallback; "gpt2" special tokens are the control and user-defined ones.
#include "llm/tokenizer/tokenizer_from_gguf.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "common/error.h"
#include "llm/tokenizer/sp_bpe.h"

namespace npulab::llm {

namespace {

int32_t checked_id(const std::optional<int64_t>& id, int32_t dflt, size_t n, const char* key,
                   const std::string& source) {
  if (!id) return dflt;
  if (*id < 0 || uint64_t(*id) >= n)
    fail("{}: tokenizer.ggml.{} = {} is outside the vocabulary of {} tokens", source, key, *id, n);
  return static_cast<int32_t>(*id);
}

PieceType piece_type(int32_t t, size_t id, const std::string& source) {
  if (t < 1 || t > 6) fail("{}: tokenizer.ggml.token_type[{}] = {} is not a token type (1..6)", source, id, t);
  return static_cast<PieceType>(t);
}

// Pre-tokenizers whose split regex is the Llama 3 one (the only one ByteLevelBpe implements);
// llama.cpp also ignores merges for a chunk that is a whole token with these.
constexpr std::array<std::string_view, 3> kLlama3Pre{"llama-bpe", "llama3", "llama-v3"};

}  // namespace

SpVocab sp_vocab_from_gguf(const EmbeddedTokenizer& t, const std::string& source) {
  const size_t n = t.tokens.size();
  if (n == 0) fail("{}: tokenizer.ggml.tokens is empty", source);
  SpVocab v;
  v.source = source;
  v.pieces = t.tokens;
  v.scores = t.scores.empty() ? std::vector<float>(n, 0.0f) : t.scores;
  v.types.reserve(n);
  for (size_t i = 0; i < n; ++i)
    v.types.push_back(t.token_types.empty() ? PieceType::Normal : piece_type(t.token_types[i], i, source));
  v.unk_id = checked_id(t.unk_id, 0, n, "unknown_token_id", source);
  v.bos_id = checked_id(t.bos_id, 1, n, "bos_token_id", source);
  v.eos_id = checked_id(t.eos_id, 2, n, "eos_token_id", source);
  v.byte_fallback = std::find(v.types.begin(), v.types.end(), PieceType::Byte) != v.types.end();
  v.add_dummy_prefix = t.add_space_prefix.value_or(true);
  // GGUF keeps no normalizer spec; these are Llama's (and llama.cpp's) settings.
  v.remove_extra_whitespaces = false;
  v.escape_whitespaces = true;
  return v;
}

ByteBpeVocab byte_bpe_vocab_from_gguf(const EmbeddedTokenizer& t, const std::string& source) {
  const size_t n = t.tokens.size();
  if (n == 0) fail("{}: tokenizer.ggml.tokens is empty", source);
  if (std::find(kLlama3Pre.begin(), kLlama3Pre.end(), t.pre) == kLlama3Pre.end())
    fail("{}: tokenizer.ggml.pre '{}' is not supported; only the Llama 3 pre-tokenizer "
         "(llama-bpe) is implemented for gpt2-style tokenizers", source, t.pre);
  if (!t.token_types.empty() && t.token_types.size() != n)
    fail("{}: tokenizer.ggml.token_type has {} entries for {} tokens", source, t.token_types.size(), n);
  ByteBpeVocab v;
  v.source = source;
  v.tokens = t.tokens;
  v.ignore_merges = true;
  v.merges.reserve(t.merges.size());
  for (size_t i = 0; i < t.merges.size(); ++i) {
    const std::string& m = t.merges[i];
    const size_t sp = m.find(' ');
    if (sp == std::string::npos || sp == 0 || sp + 1 == m.size() || m.find(' ', sp + 1) != std::string::npos)
      fail("{}: tokenizer.ggml.merges[{}] '{}' is not 'left right'", source, i, m);
    v.merges.emplace_back(m.substr(0, sp), m.substr(sp + 1));
  }
  for (size_t i = 0; i < t.token_types.size(); ++i) {
    const PieceType ty = piece_type(t.token_types[i], i, source);
    if (ty == PieceType::Control || ty == PieceType::UserDefined)
      v.special.emplace_back(t.tokens[i], static_cast<int32_t>(i));
  }
  v.bos_id = checked_id(t.bos_id, -1, n, "bos_token_id", source);
  v.eos_id = checked_id(t.eos_id, -1, n, "eos_token_id", source);
  return v;
}

std::unique_ptr<Tokenizer> tokenizer_from_gguf(const EmbeddedTokenizer& t, const std::string& source) {
  if (t.model == "llama") return std::make_unique<SentencePieceBpe>(sp_vocab_from_gguf(t, source));
  if (t.model == "gpt2") return std::make_unique<ByteLevelBpe>(byte_bpe_vocab_from_gguf(t, source));
  fail("{}: tokenizer.ggml.model '{}' is not supported (expected 'llama' or 'gpt2')", source, t.model);
}

}  // namespace npulab::llm
