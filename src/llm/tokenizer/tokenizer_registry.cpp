// Name -> tokenizer format table, and load_tokenizer().
#include <fstream>
#include <mutex>

#include "common/error.h"
#include "llm/tokenizer/builtin_formats.h"
#include "llm/tokenizer/tokenizer.h"

namespace npulab::llm {

namespace {
std::vector<TokenizerFormat>& registry() {
  static std::vector<TokenizerFormat> formats = {formats::kSentencePieceModel, formats::kLlama2cBin,
                                                 formats::kHfByteBpeJson};
  return formats;
}
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

std::span<const TokenizerFormat> tokenizer_formats() { return registry(); }

void register_tokenizer_format(const TokenizerFormat& format) {
  std::lock_guard lock(registry_mutex());
  for (const auto& f : registry())
    if (f.name == format.name) fail("tokenizer format '{}' is already registered", format.name);
  registry().push_back(format);
}

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
