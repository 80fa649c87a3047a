// llama2.c tokenizer.bin -> SpVocab.
// Layout: int32 max_token_length, then for every token: float32 score, int32 byte length,
// bytes. The vocabulary size is not stored: tokens run to the end of the file.
// llama2.c's exporter wrote U+2581 as ' ' and BOS/EOS as "\n<s>\n" / "\n</s>\n"; we undo that
// so both file kinds give the same vocabulary. Piece types are not stored either: they are
// recovered from the Llama conventions (<unk>, <s>, </s>, <0xXX>).
#include <bit>
#include <cstring>

#include "common/error.h"
#include "llm/tokenizer/sp_vocab.h"

namespace npulab::llm {

namespace {

uint32_t read_u32(std::string_view d, size_t pos) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(d[pos + i])) << (8 * i);
  return v;
}

bool is_byte_piece(std::string_view p) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); };
  return p.size() == 6 && p.starts_with("<0x") && hex(p[3]) && hex(p[4]) && p[5] == '>';
}

std::string to_sentencepiece_text(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    if (c == ' ') out += "\xE2\x96\x81";
    else out += c;
  }
  return out;
}

}  // namespace

SpVocab parse_llama2c_tokenizer_bin(std::string_view d, const std::string& source) {
  if (d.size() < 4) fail("{}: {} bytes is too short for a llama2.c tokenizer (int32 max_token_length)", source, d.size());
  const auto max_len = static_cast<int32_t>(read_u32(d, 0));
  if (max_len <= 0 || max_len > 4096) fail("{}: max_token_length {} is not in 1..4096", source, max_len);
  SpVocab v;
  v.source = source;
  v.byte_fallback = true;
  size_t pos = 4;
  while (pos < d.size()) {
    const size_t id = v.pieces.size();
    if (d.size() - pos < 8) fail("{}: token {} at byte {}: truncated score/length header", source, id, pos);
    const float score = std::bit_cast<float>(read_u32(d, pos));
    const auto len = static_cast<int32_t>(read_u32(d, pos + 4));
    pos += 8;
    if (len <= 0 || len > max_len)
      fail("{}: token {} at byte {}: length {} is not in 1..max_token_length {}", source, id, pos - 4, len, max_len);
    if (d.size() - pos < static_cast<size_t>(len))
      fail("{}: token {}: {} bytes declared but only {} left", source, id, len, d.size() - pos);
    std::string_view raw = d.substr(pos, len);
    pos += len;
    PieceType type = PieceType::Normal;
    std::string piece;
    if (raw == "\n<s>\n" || raw == "<s>") {
      piece = "<s>", type = PieceType::Control;
    } else if (raw == "\n</s>\n" || raw == "</s>") {
      piece = "</s>", type = PieceType::Control;
    } else if (raw == "<unk>") {
      piece = "<unk>", type = PieceType::Unknown;
    } else if (is_byte_piece(raw)) {
      piece = std::string(raw), type = PieceType::Byte;
    } else {
      piece = to_sentencepiece_text(raw);
    }
    v.pieces.push_back(std::move(piece));
    v.scores.push_back(score);
    v.types.push_back(type);
  }
  if (v.pieces.size() < 3) fail("{}: only {} tokens; expected <unk>, <s>, </s> and more", source, v.pieces.size());
  auto expect = [&](int32_t id, const char* want) {
    if (v.pieces[id] != want) fail("{}: token {} is '{}', expected '{}' (Llama convention)", source, id, v.pieces[id], want);
  };
  expect(0, "<unk>");
  expect(1, "<s>");
  expect(2, "</s>");
  size_t bytes = 0;
  for (auto t : v.types) bytes += t == PieceType::Byte;
  v.byte_fallback = bytes == 256;
  return v;
}

}  // namespace npulab::llm
