// Name -> tokenizer format table, and load_tokenizer(). The table is fixed: it is built
// once, on first use, from the formats compiled in (builtin_formats.h) and never changes,
// so any number of threads and models can read it without a lock.
#include <array>
#include <fstream>

#include "common/error.h"
#include "llm/tokenizer/builtin_formats.h"
#include "llm/tokenizer/tokenizer.h"

namespace npulab::llm {

namespace {
// A function-local constant rather than a namespace-scope one: the entries are copied from
// objects of other files, which must be initialised first.
const std::array<TokenizerFormat, 3>& registry() {
  static const std::array<TokenizerFormat, 3> formats = {formats::kSentencePieceModel, formats::kLlama2cBin,
                                                         formats::kHfByteBpeJson};
  return formats;
}
}  // namespace

std::span<const TokenizerFormat> tokenizer_formats() { return registry(); }

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path, std::string_view format) {
  if (format != "auto") {
    for (const auto& f : registry())
      if (f.name == format) return f.load(path);
    std::string names;
    for (const auto& f : registry()) names += fmt::format("{}{}", names.empty() ? "" : ", ", f.name);
    fail("{}: unknown tokenizer format '{}' (known: {}, auto)", path, format, names);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open tokenizer file", path);
  std::vector<uint8_t> head(64);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  for (const auto& f : registry())
    if (f.sniff(path, head)) return f.load(path);
  std::string tried;
  for (const auto& f : registry()) tried += fmt::format("{}{}", tried.empty() ? "" : "; ", f.description);
  fail("{}: not a recognised tokenizer file (tried: {})", path, tried);
}

}  // namespace npulab::llm
