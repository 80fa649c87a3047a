// libFuzzer target: the tokenizer file readers (SentencePiece tokenizer.model protobuf,
// llama2.c tokenizer.bin, Hugging Face tokenizer.json byte-level BPE) on arbitrary bytes.
// The first byte picks the reader (0: .model, 1: .bin, 2: .json) so every reader gets
// inputs; the rest is the file. A file that loads is then used: encode/decode of a few
// texts (ASCII, multi-byte UTF-8, invalid UTF-8) and decode of every id, which must not
// crash whatever vocabulary the file declares. Bad files throw npulab::Error.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "llm/tokenizer/byte_bpe.h"
#include "llm/tokenizer/sp_bpe.h"
#include "llm/tokenizer/sp_vocab.h"

namespace {

using namespace npulab::llm;

std::unique_ptr<Tokenizer> load(uint8_t kind, std::string_view file) {
  switch (kind % 3) {
    case 0: return std::make_unique<SentencePieceBpe>(parse_sp_model_proto(file, "fuzz.model"));
    case 1: return std::make_unique<SentencePieceBpe>(parse_llama2c_tokenizer_bin(file, "fuzz.bin"));
    default: return std::make_unique<ByteLevelBpe>(parse_hf_tokenizer_json(file, "fuzz.json"));
  }
}

void exercise(const Tokenizer& tok) {
  static const std::string_view kTexts[] = {"", "Hello world", "  two  spaces\n\ttab",
                                            "h\xC3\xA9llo \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x98\x80",
                                            "bad \xFF\xC3 utf8", "<s></s><unk><|endoftext|>"};
  for (auto text : kTexts) {
    const std::vector<int32_t> ids = tok.encode(text, /*add_bos=*/true);
    (void)tok.decode(ids);
    int32_t prev = -1;
    for (int32_t id : ids) {
      (void)tok.decode_piece(prev, id);
      prev = id;
    }
  }
  const size_t n = tok.vocab_size() < 4096 ? tok.vocab_size() : 4096;
  for (size_t i = 0; i < n; ++i) {
    const int32_t id = static_cast<int32_t>(i);
    (void)tok.piece(id);
    (void)tok.decode(std::vector<int32_t>{id});
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const auto tok = load(data[0], file);
    exercise(*tok);
  } catch (const npulab::Error&) {
  }
  return 0;
}
