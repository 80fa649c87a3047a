// Byte-level BPE (GPT-2 / Llama 3 style), as in Hugging Face tokenizer.json files:
// special (added) tokens are split out first, the Llama 3 regex splits the rest into chunks,
// each chunk's UTF-8 bytes are mapped to printable characters (GPT-2 bytes_to_unicode) and
// merged by rank (lowest rank first, leftmost on ties) until no ranked pair remains.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "llm/tokenizer/string_map.h"
#include "llm/tokenizer/tokenizer.h"

namespace npulab::llm {

struct ByteBpeVocab {
  std::vector<std::string> tokens;                     // id -> token text (byte-mapped form)
  std::vector<std::pair<std::string, std::string>> merges;  // in rank order
  std::vector<std::pair<std::string, int32_t>> special;    // added special tokens: literal text, id
  bool ignore_merges = false;  // a chunk that is a whole vocab token is emitted as is (Llama 3)
  int32_t bos_id = -1, eos_id = -1;
  std::string source;
};

ByteBpeVocab parse_hf_tokenizer_json(std::string_view json_text, const std::string& source);

class ByteLevelBpe final : public Tokenizer {
 public:
  explicit ByteLevelBpe(ByteBpeVocab vocab);  // validates; throws npulab::Error

  std::vector<int32_t> encode(std::string_view text, bool add_bos) const override;
  // Special tokens are skipped (like control pieces in SentencePiece); each invalid UTF-8 byte
  // becomes U+FFFD (Rust's from_utf8_lossy, used by HF, may use one U+FFFD per bad sequence).
  std::string decode(std::span<const int32_t> ids) const override;
  std::string decode_piece(int32_t prev, int32_t id) const override;
  int32_t bos_id() const override { return v_.bos_id; }
  int32_t eos_id() const override { return v_.eos_id; }
  size_t vocab_size() const override { return v_.tokens.size(); }
  std::string_view piece(int32_t id) const override;

 private:
  void check_id(int32_t id, const char* op) const;
  void encode_chunk(std::string_view chunk, std::vector<int32_t>& out) const;

  ByteBpeVocab v_;
  StringMap<int32_t> token_ids_;
  StringMap<int32_t> merge_rank_;           // key: left + ' ' + right (mapped text has no ' ')
  std::vector<std::string> token_bytes_;    // id -> raw bytes (specials: empty)
  std::vector<bool> is_special_;
  std::array<bool, 256> special_first_byte_{};  // quick filter before matching special tokens
  std::array<std::string, 256> byte_char_;  // byte -> its mapped character (UTF-8)
};

}  // namespace npulab::llm
