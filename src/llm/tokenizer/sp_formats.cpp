// Registry entries of the two SentencePiece file formats.
#include <memory>

#include "llm/tokenizer/builtin_formats.h"
#include "llm/tokenizer/sp_bpe.h"

namespace npulab::llm::formats {

namespace {

uint32_t le32(std::span<const uint8_t> h, size_t pos) {
  return h[pos] | (h[pos + 1] << 8) | (h[pos + 2] << 16) | (static_cast<uint32_t>(h[pos + 3]) << 24);
}

// A ModelProto starts with field 1 (pieces, length-delimited): key byte 0x0A.
bool sniff_model(std::string_view, std::span<const uint8_t> h) { return !h.empty() && h[0] == 0x0A; }

// int32 max_token_length, then the first token's float score and int32 length <= max.
bool sniff_bin(std::string_view, std::span<const uint8_t> h) {
  if (h.size() < 12) return false;
  const uint32_t max_len = le32(h, 0), len0 = le32(h, 8);
  return max_len >= 1 && max_len <= 4096 && len0 >= 1 && len0 <= max_len;
}

std::unique_ptr<Tokenizer> load_model(const std::string& path) {
  return std::make_unique<SentencePieceBpe>(parse_sp_model_proto(read_tokenizer_file(path), path));
}
std::unique_ptr<Tokenizer> load_bin(const std::string& path) {
  return std::make_unique<SentencePieceBpe>(parse_llama2c_tokenizer_bin(read_tokenizer_file(path), path));
}

}  // namespace

const TokenizerFormat kSentencePieceModel{"sentencepiece", "SentencePiece BPE tokenizer.model (protobuf)",
                                          sniff_model, load_model};
const TokenizerFormat kLlama2cBin{"llama2c", "llama2.c tokenizer.bin (SentencePiece BPE vocabulary)", sniff_bin,
                                  load_bin};

}  // namespace npulab::llm::formats
