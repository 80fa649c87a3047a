// The vocabulary of a SentencePiece-style model, whatever file it came from
// (tokenizer.model protobuf, llama2.c tokenizer.bin, or a GGUF's tokenizer arrays).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace npulab::llm {

// Values of sentencepiece_model.proto ModelProto.SentencePiece.Type.
enum class PieceType : uint8_t { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

struct SpVocab {
  std::vector<std::string> pieces;  // whitespace is U+2581 ("▁"), as in the .model file
  std::vector<float> scores;
  std::vector<PieceType> types;
  int32_t unk_id = 0, bos_id = 1, eos_id = 2;
  bool byte_fallback = false;
  // Normalizer settings (NormalizerSpec); the defaults are Llama 2's.
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = false;
  bool escape_whitespaces = true;
  std::string unk_surface = " \xE2\x81\x87 ";  // " ⁇ ", what <unk> decodes to
  std::string source;                          // file name, for error messages
};

// Readers (sp_model_proto.cpp, sp_llama2c_bin.cpp). Throw npulab::Error naming `source`.
SpVocab parse_sp_model_proto(std::string_view bytes, const std::string& source);
SpVocab parse_llama2c_tokenizer_bin(std::string_view bytes, const std::string& source);

// Reads a whole file into memory or throws npulab::Error.
std::string read_tokenizer_file(const std::string& path);

}  // namespace npulab::llm
