// SentencePiece BPE (the Llama 1/2 tokenizer), matching sentencepiece's bpe_model.cc and
// SentencePieceProcessor::Decode: identity normalizer with dummy-prefix space and spaces as
// U+2581, then repeatedly merge the adjacent pair whose concatenation is the highest-scoring
// piece (leftmost on ties), then byte fallback (<0xXX> pieces) for what is not in the vocab.
#pragma once
#include <array>

#include "llm/tokenizer/sp_vocab.h"
#include "llm/tokenizer/string_map.h"
#include "llm/tokenizer/tokenizer.h"

namespace npulab::llm {

class SentencePieceBpe final : public Tokenizer {
 public:
  explicit SentencePieceBpe(SpVocab vocab);  // validates the vocabulary; throws npulab::Error

  std::vector<int32_t> encode(std::string_view text, bool add_bos) const override;
  std::string decode(std::span<const int32_t> ids) const override;
  std::string decode_piece(int32_t prev, int32_t id) const override;
  int32_t bos_id() const override { return v_.bos_id; }
  int32_t eos_id() const override { return v_.eos_id; }
  size_t vocab_size() const override { return v_.pieces.size(); }
  std::string_view piece(int32_t id) const override;

  const SpVocab& vocab() const { return v_; }

 private:
  std::string normalize(std::string_view text) const;
  int32_t piece_to_id(std::string_view piece) const;
  PieceType type_of(int32_t id) const;
  void check_id(int32_t id, const char* op) const;
  void append_symbol_ids(std::string_view symbol, std::vector<int32_t>& out) const;

  SpVocab v_;
  StringMap<int32_t> mergeable_;  // NORMAL, USER_DEFINED, UNUSED pieces: the BPE merge targets
  StringMap<int32_t> reserved_;   // CONTROL, UNKNOWN, BYTE pieces: looked up first, never merged
  StringMap<int32_t> user_defined_;
  size_t max_user_defined_len_ = 0;
  std::array<int32_t, 256> byte_ids_{};
};

}  // namespace npulab::llm
