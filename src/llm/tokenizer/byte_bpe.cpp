#include "llm/tokenizer/byte_bpe.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <climits>

#include "common/error.h"
#include "llm/tokenizer/builtin_formats.h"
#include "llm/tokenizer/llama3_pretokenizer.h"
#include "llm/tokenizer/sp_vocab.h"
#include "llm/tokenizer/utf8.h"

namespace npulab::llm {

namespace {

// GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the other 68 bytes to
// U+0100 + k in byte order, so every byte has a visible, non-space character.
std::array<char32_t, 256> bytes_to_unicode() {
  std::array<char32_t, 256> m{};
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    m[b] = printable ? static_cast<char32_t>(b) : next++;
  }
  return m;
}

}  // namespace

ByteLevelBpe::ByteLevelBpe(ByteBpeVocab vocab) : v_(std::move(vocab)) {
  const auto& src = v_.source;
  const size_t n = v_.tokens.size();
  if (n == 0 || n > static_cast<size_t>(INT32_MAX)) fail("{}: vocabulary size {} is invalid", src, n);
  const auto map = bytes_to_unicode();
  StringMap<uint8_t> char_byte;
  for (int b = 0; b < 256; ++b) {
    utf8::append_codepoint(map[b], byte_char_[b]);
    char_byte.emplace(byte_char_[b], static_cast<uint8_t>(b));
  }
  is_special_.assign(n, false);
  for (const auto& [text, id] : v_.special) {
    if (id < 0 || static_cast<size_t>(id) >= n) fail("{}: special token '{}' id {} out of range", src, text, id);
    if (text.empty()) fail("{}: special token {} has empty content", src, id);
    is_special_[id] = true;
    special_first_byte_[static_cast<uint8_t>(text[0])] = true;
  }
  token_bytes_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const auto& t = v_.tokens[i];
    if (t.empty()) fail("{}: token id {} has no text", src, i);
    if (!token_ids_.emplace(t, static_cast<int32_t>(i)).second)
      fail("{}: token '{}' appears twice (ids {} and {})", src, t, token_ids_.at(t), i);
    if (is_special_[i]) continue;
    // Map the token's characters back to bytes; a character outside the byte alphabet is an error.
    std::string_view rest = t;
    while (!rest.empty()) {
      const size_t len = utf8::valid_char_len(rest);
      auto it = len ? char_byte.find(rest.substr(0, len)) : char_byte.end();
      if (it == char_byte.end()) fail("{}: token {} '{}' is not in the byte-level alphabet", src, i, t);
      token_bytes_[i] += static_cast<char>(it->second);
      rest.remove_prefix(len);
    }
  }
  for (int b = 0; b < 256; ++b)
    if (!token_ids_.contains(byte_char_[b])) fail("{}: the vocabulary lacks the single-byte token for 0x{:02X}", src, b);
  for (size_t r = 0; r < v_.merges.size(); ++r) {
    const auto& [a, b] = v_.merges[r];
    if (!token_ids_.contains(a) || !token_ids_.contains(b) || !token_ids_.contains(a + b))
      fail("{}: merge {} '{} {}' uses or makes a token that is not in the vocabulary", src, r, a, b);
    merge_rank_.emplace(a + " " + b, static_cast<int32_t>(r));  // first occurrence wins
  }
  for (int32_t id : {v_.bos_id, v_.eos_id})
    if (id < -1 || (id >= 0 && static_cast<size_t>(id) >= n)) fail("{}: bos/eos id {} out of range", src, id);
}

std::string_view ByteLevelBpe::piece(int32_t id) const {
  check_id(id, "piece");
  return v_.tokens[id];
}

void ByteLevelBpe::check_id(int32_t id, const char* op) const {
  if (id < 0 || static_cast<size_t>(id) >= v_.tokens.size())
    fail("{}: {}: token id {} is outside the vocabulary [0, {})", v_.source, op, id, v_.tokens.size());
}

void ByteLevelBpe::encode_chunk(std::string_view chunk, std::vector<int32_t>& out) const {
  std::vector<std::string> parts;
  parts.reserve(chunk.size());
  std::string whole;
  for (unsigned char b : chunk) {
    parts.push_back(byte_char_[b]);
    whole += byte_char_[b];
  }
  if (v_.ignore_merges)
    if (auto it = token_ids_.find(whole); it != token_ids_.end()) return out.push_back(it->second);
  // Merge the lowest-ranked adjacent pair (leftmost on ties) until none is ranked. rank[i] caches
  // the rank of (parts[i], parts[i+1]); a merge only changes its two neighbours, so long chunks
  // (whitespace runs, long words) cost O(n^2) integer work, not O(n^2) hash lookups.
  auto rank_of = [&](size_t i) {
    std::string key = parts[i] + " " + parts[i + 1];
    const auto it = merge_rank_.find(key);
    return it == merge_rank_.end() ? INT32_MAX : it->second;
  };
  std::vector<int32_t> rank(parts.size() > 1 ? parts.size() - 1 : 0);
  for (size_t i = 0; i < rank.size(); ++i) rank[i] = rank_of(i);
  while (!rank.empty()) {
    const size_t at = static_cast<size_t>(std::min_element(rank.begin(), rank.end()) - rank.begin());
    if (rank[at] == INT32_MAX) break;
    parts[at] += parts[at + 1];
    parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(at) + 1);
    rank.erase(rank.begin() + static_cast<std::ptrdiff_t>(at));
    if (at > 0) rank[at - 1] = rank_of(at - 1);
    if (at < rank.size()) rank[at] = rank_of(at);
  }
  for (const auto& p : parts) out.push_back(token_ids_.at(p));  // every merge result is a token
}

std::vector<int32_t> ByteLevelBpe::encode(std::string_view text, bool add_bos) const {
  std::vector<int32_t> ids;
  if (add_bos && v_.bos_id >= 0) ids.push_back(v_.bos_id);
  // Split out special tokens (longest match at the earliest position), pre-tokenize the rest.
  auto encode_plain = [&](std::string_view plain) {
    for (std::string_view chunk : llama3_pretokenize(plain)) encode_chunk(chunk, ids);
  };
  size_t start = 0;
  for (size_t pos = 0; pos < text.size();) {
    const std::pair<std::string, int32_t>* hit = nullptr;
    if (special_first_byte_[static_cast<uint8_t>(text[pos])])
      for (const auto& s : v_.special)
      if (text.substr(pos).starts_with(s.first) && (!hit || s.first.size() > hit->first.size())) hit = &s;
    if (!hit) {
      ++pos;
      continue;
    }
    encode_plain(text.substr(start, pos - start));
    ids.push_back(hit->second);
    pos += hit->first.size();
    start = pos;
  }
  encode_plain(text.substr(start));
  return ids;
}

std::string ByteLevelBpe::decode(std::span<const int32_t> ids) const {
  std::string bytes;
  for (int32_t id : ids) {
    check_id(id, "decode");
    bytes += token_bytes_[id];
  }
  std::string text;
  utf8::append_sanitized(bytes, text);
  return text;
}

std::string ByteLevelBpe::decode_piece(int32_t, int32_t id) const {
  check_id(id, "decode_piece");
  return token_bytes_[id];
}

// ---- tokenizer.json reader

ByteBpeVocab parse_hf_tokenizer_json(std::string_view json_text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: invalid JSON: {}", source, e.what());
  }
  try {
    ByteBpeVocab v;
    v.source = source;
    const auto& model = j.at("model");
    const auto type = model.value("type", std::string("BPE"));
    if (type != "BPE") fail("{}: model.type is '{}', only 'BPE' is supported", source, type);
    // The pre-tokenizer must be byte-level with the Llama 3 split regex (the one we implement).
    const std::string dumped = j.at("pre_tokenizer").dump();
    if (dumped.find("ByteLevel") == std::string::npos)
      fail("{}: pre_tokenizer is not byte-level; only byte-level BPE tokenizer.json is supported", source);
    if (const auto p = dumped.find("\"Regex\":"); p != std::string::npos) {
      for (const auto& pt : j["pre_tokenizer"].value("pretokenizers", nlohmann::json::array()))
        if (pt.value("type", "") == "Split" && pt.at("pattern").at("Regex").get<std::string>() != kLlama3SplitPattern)
          fail("{}: pre_tokenizer split regex is not the Llama 3 pattern (only that one is implemented)", source);
    }
    v.ignore_merges = model.value("ignore_merges", false);
    const auto& vocab = model.at("vocab");
    size_t n = 0;
    for (const auto& [tok, id] : vocab.items()) n = std::max(n, id.get<size_t>() + 1);
    for (const auto& t : j.value("added_tokens", nlohmann::json::array())) n = std::max(n, t.at("id").get<size_t>() + 1);
    if (n > (size_t{1} << 24)) fail("{}: vocabulary of {} ids is implausibly large", source, n);
    v.tokens.assign(n, {});
    for (const auto& [tok, id] : vocab.items()) v.tokens[id.get<size_t>()] = tok;
    for (const auto& t : j.value("added_tokens", nlohmann::json::array())) {
      const auto id = t.at("id").get<size_t>();
      const auto content = t.at("content").get<std::string>();
      if (!v.tokens[id].empty() && v.tokens[id] != content)
        fail("{}: added token {} '{}' clashes with vocab token '{}'", source, id, content, v.tokens[id]);
      v.tokens[id] = content;
      v.special.emplace_back(content, static_cast<int32_t>(id));
    }
    for (size_t i = 0; i < n; ++i)
      if (v.tokens[i].empty()) fail("{}: token id {} is missing (ids must be dense 0..{})", source, i, n - 1);
    for (const auto& m : model.at("merges")) {
      if (m.is_string()) {
        const auto s = m.get<std::string>();
        const auto sp = s.find(' ');
        if (sp == std::string::npos || sp == 0 || sp + 1 == s.size()) fail("{}: merge '{}' is not 'a b'", source, s);
        v.merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
      } else {
        if (!m.is_array() || m.size() != 2) fail("{}: merge {} is not a pair", source, m.dump());
        v.merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
      }
    }
    auto find_special = [&](std::initializer_list<std::string_view> names) {
      for (auto name : names)
        for (const auto& [text, id] : v.special)
          if (text == name) return id;
      return -1;
    };
    v.bos_id = find_special({"<|begin_of_text|>", "<s>", "<|endoftext|>"});
    v.eos_id = find_special({"<|end_of_text|>", "</s>", "<|endoftext|>"});
    return v;
  } catch (const nlohmann::json::exception& e) {
    fail("{}: unexpected tokenizer.json structure: {}", source, e.what());
  }
}

namespace formats {
namespace {
bool sniff_json(std::string_view, std::span<const uint8_t> h) {
  for (uint8_t c : h) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '{';
  }
  return false;
}
std::unique_ptr<Tokenizer> load_json(const std::string& path) {
  return std::make_unique<ByteLevelBpe>(parse_hf_tokenizer_json(read_tokenizer_file(path), path));
}
}  // namespace
const TokenizerFormat kHfByteBpeJson{"hf-byte-bpe", "Hugging Face tokenizer.json, byte-level BPE (Llama 3 style)",
                                     sniff_json, load_json};
}  // namespace formats

}  // namespace npulab::llm
