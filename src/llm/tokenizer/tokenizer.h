// Text <-> token ids. One interface for every tokenizer family; concrete formats are
// registered by name in a table (tokenizer_registry.cpp) and picked by name or by sniffing
// the file, so callers never branch on the format.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace npulab::llm {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Token ids of `text` (UTF-8), with the BOS id first when add_bos and the model has one.
  virtual std::vector<int32_t> encode(std::string_view text, bool add_bos) const = 0;
  // The text of a whole id sequence (control tokens are invisible, byte tokens are
  // reassembled into UTF-8, invalid byte sequences become U+FFFD).
  virtual std::string decode(std::span<const int32_t> ids) const = 0;
  // Streaming: the bytes to print for `id` when it follows `prev` (-1 at the start).
  // Byte tokens come out as single raw bytes, so a multi-byte character may span several
  // calls; concatenating the pieces of a valid sequence gives decode(ids).
  virtual std::string decode_piece(int32_t prev, int32_t id) const = 0;

  virtual int32_t bos_id() const = 0;  // -1 if none
  virtual int32_t eos_id() const = 0;  // -1 if none
  virtual size_t vocab_size() const = 0;
  // The piece string of an id as stored in the vocabulary (for diagnostics).
  virtual std::string_view piece(int32_t id) const = 0;
};

// A tokenizer file format: `sniff` says whether the first bytes (and the path) look like
// this format; `load` reads the whole file or throws npulab::Error naming the file.
struct TokenizerFormat {
  std::string_view name;
  std::string_view description;
  bool (*sniff)(std::string_view path, std::span<const uint8_t> head);
  std::unique_ptr<Tokenizer> (*load)(const std::string& path);
};

// All formats, in sniffing order: a fixed table (tokenizer_registry.cpp; a new format is a
// file defining its TokenizerFormat plus one entry there). Names are unique.
std::span<const TokenizerFormat> tokenizer_formats();

// Load `path` with the format named `format`, or with the first format whose sniff accepts
// the file when format == "auto". Unknown names and unrecognised files throw npulab::Error.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path, std::string_view format = "auto");

}  // namespace npulab::llm
