// sentencepiece tokenizer.model (a serialized ModelProto) -> SpVocab.
// Field numbers are those of sentencepiece_model.proto.
#include <bit>
#include <fstream>
#include <iterator>

#include "common/error.h"
#include "llm/tokenizer/protobuf_wire.h"
#include "llm/tokenizer/sp_vocab.h"

namespace npulab::llm {

namespace {

struct TrainerSpec {
  int model_type = 1;  // UNIGRAM
  bool byte_fallback = false;
  bool treat_whitespace_as_suffix = false;
  int64_t unk_id = 0, bos_id = 1, eos_id = 2;
  std::string unk_surface = " \xE2\x81\x87 ";
};

void parse_piece(std::string_view msg, const std::string& ctx, SpVocab& v) {
  pb::Reader r(msg, ctx);
  std::string piece;
  float score = 0.0f;
  uint64_t type = static_cast<uint64_t>(PieceType::Normal);
  bool has_piece = false;
  uint32_t f;
  pb::WireType t;
  while (r.next(f, t)) {
    if (f == 1) {
      r.expect(t, pb::kLen, "piece");
      piece = std::string(r.bytes());
      has_piece = true;
    } else if (f == 2) {
      r.expect(t, pb::kFixed32, "score");
      score = std::bit_cast<float>(r.fixed32());
    } else if (f == 3) {
      r.expect(t, pb::kVarint, "type");
      type = r.varint();
    } else {
      r.skip(t);
    }
  }
  if (!has_piece || piece.empty()) fail("{}: piece has no text", ctx);
  if (type < 1 || type > 6) fail("{}: piece '{}' has unknown type {}", ctx, piece, type);
  v.pieces.push_back(std::move(piece));
  v.scores.push_back(score);
  v.types.push_back(static_cast<PieceType>(type));
}

TrainerSpec parse_trainer(std::string_view msg, const std::string& ctx) {
  pb::Reader r(msg, ctx);
  TrainerSpec s;
  uint32_t f;
  pb::WireType t;
  auto int_field = [&](const char* name) {
    r.expect(t, pb::kVarint, name);
    return static_cast<int64_t>(static_cast<int32_t>(r.varint()));  // int32: negatives are 10-byte varints
  };
  while (r.next(f, t)) {
    switch (f) {
      case 3: s.model_type = static_cast<int>(int_field("model_type")); break;
      case 24: s.treat_whitespace_as_suffix = int_field("treat_whitespace_as_suffix") != 0; break;
      case 35: s.byte_fallback = int_field("byte_fallback") != 0; break;
      case 40: s.unk_id = int_field("unk_id"); break;
      case 41: s.bos_id = int_field("bos_id"); break;
      case 42: s.eos_id = int_field("eos_id"); break;
      case 44: r.expect(t, pb::kLen, "unk_surface"); s.unk_surface = std::string(r.bytes()); break;
      default: r.skip(t);
    }
  }
  return s;
}

void parse_normalizer(std::string_view msg, const std::string& ctx, SpVocab& v) {
  pb::Reader r(msg, ctx);
  uint32_t f;
  pb::WireType t;
  while (r.next(f, t)) {
    switch (f) {
      case 2:
        r.expect(t, pb::kLen, "precompiled_charsmap");
        if (!r.bytes().empty())
          fail("{}: precompiled_charsmap normalization (e.g. NFKC) is not supported; only identity", ctx);
        break;
      case 3: r.expect(t, pb::kVarint, "add_dummy_prefix"); v.add_dummy_prefix = r.varint() != 0; break;
      case 4: r.expect(t, pb::kVarint, "remove_extra_whitespaces"); v.remove_extra_whitespaces = r.varint() != 0; break;
      case 5: r.expect(t, pb::kVarint, "escape_whitespaces"); v.escape_whitespaces = r.varint() != 0; break;
      default: r.skip(t);
    }
  }
}

}  // namespace

SpVocab parse_sp_model_proto(std::string_view bytes, const std::string& source) {
  SpVocab v;
  v.source = source;
  v.remove_extra_whitespaces = true;  // proto default when the normalizer spec omits it
  TrainerSpec trainer;
  pb::Reader r(bytes, source);
  uint32_t f;
  pb::WireType t;
  while (r.next(f, t)) {
    if (f == 1) {
      r.expect(t, pb::kLen, "pieces");
      parse_piece(r.bytes(), fmt::format("{}: piece {}", source, v.pieces.size()), v);
    } else if (f == 2) {
      r.expect(t, pb::kLen, "trainer_spec");
      trainer = parse_trainer(r.bytes(), source + ": trainer_spec");
    } else if (f == 3) {
      r.expect(t, pb::kLen, "normalizer_spec");
      parse_normalizer(r.bytes(), source + ": normalizer_spec", v);
    } else {
      r.skip(t);
    }
  }
  if (v.pieces.empty()) fail("{}: no pieces: not a sentencepiece model", source);
  if (trainer.model_type != 2)
    fail("{}: model_type {} is not BPE (2); only BPE sentencepiece models are supported", source, trainer.model_type);
  if (trainer.treat_whitespace_as_suffix) fail("{}: treat_whitespace_as_suffix is not supported", source);
  const auto n = static_cast<int64_t>(v.pieces.size());
  auto check_id = [&](int64_t id, const char* what, bool optional) {
    if ((optional && id == -1) || (id >= 0 && id < n)) return static_cast<int32_t>(id);
    fail("{}: trainer_spec.{} = {} is outside the vocabulary of {} pieces", source, what, id, n);
  };
  v.unk_id = check_id(trainer.unk_id, "unk_id", false);
  v.bos_id = check_id(trainer.bos_id, "bos_id", true);
  v.eos_id = check_id(trainer.eos_id, "eos_id", true);
  if (v.types[v.unk_id] != PieceType::Unknown)
    fail("{}: unk_id {} is piece '{}', which is not of type UNKNOWN", source, v.unk_id, v.pieces[v.unk_id]);
  v.byte_fallback = trainer.byte_fallback;
  v.unk_surface = trainer.unk_surface;
  return v;
}

std::string read_tokenizer_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail("{}: cannot open tokenizer file", path);
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) fail("{}: read error", path);
  return data;
}

}  // namespace npulab::llm
