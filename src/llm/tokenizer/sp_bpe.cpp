#include "llm/tokenizer/sp_bpe.h"

#include <fmt/format.h>

#include <queue>

#include "common/error.h"
#include "llm/tokenizer/utf8.h"

namespace npulab::llm {

namespace {
constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space
}

SentencePieceBpe::SentencePieceBpe(SpVocab vocab) : v_(std::move(vocab)) {
  const auto& src = v_.source;
  const size_t n = v_.pieces.size();
  if (n == 0) fail("{}: empty vocabulary", src);
  if (v_.scores.size() != n || v_.types.size() != n)
    fail("{}: {} pieces but {} scores and {} types", src, n, v_.scores.size(), v_.types.size());
  if (n > static_cast<size_t>(INT32_MAX)) fail("{}: vocabulary too large", src);
  byte_ids_.fill(-1);
  for (size_t i = 0; i < n; ++i) {
    const auto& p = v_.pieces[i];
    const auto id = static_cast<int32_t>(i);
    if (p.empty()) fail("{}: piece {} is empty", src, i);
    const PieceType t = v_.types[i];
    const bool mergeable = t == PieceType::Normal || t == PieceType::UserDefined || t == PieceType::Unused;
    auto& map = mergeable ? mergeable_ : reserved_;
    if (!map.emplace(p, id).second) fail("{}: piece '{}' appears twice (ids {} and {})", src, p, map.at(p), i);
    if (t == PieceType::UserDefined) {
      user_defined_.emplace(p, id);
      max_user_defined_len_ = std::max(max_user_defined_len_, p.size());
    }
    if (t == PieceType::Byte) {
      unsigned b = 0;
      if (p.size() != 6 || std::sscanf(p.c_str(), "<0x%02X>", &b) != 1)
        fail("{}: byte piece {} is '{}', expected <0xXX>", src, i, p);
      byte_ids_[b] = id;
    }
  }
  if (v_.unk_id < 0 || static_cast<size_t>(v_.unk_id) >= n) fail("{}: unk id {} out of range", src, v_.unk_id);
  for (int32_t id : {v_.bos_id, v_.eos_id})
    if (id < -1 || (id >= 0 && static_cast<size_t>(id) >= n)) fail("{}: bos/eos id {} out of range", src, id);
  if (v_.byte_fallback)
    for (int b = 0; b < 256; ++b)
      if (byte_ids_[b] < 0) fail("{}: byte_fallback is on but piece <0x{:02X}> is missing", src, b);
}

std::string_view SentencePieceBpe::piece(int32_t id) const {
  check_id(id, "piece");
  return v_.pieces[id];
}

void SentencePieceBpe::check_id(int32_t id, const char* op) const {
  if (id < 0 || static_cast<size_t>(id) >= v_.pieces.size())
    fail("{}: {}: token id {} is outside the vocabulary [0, {})", v_.source, op, id, v_.pieces.size());
}

PieceType SentencePieceBpe::type_of(int32_t id) const { return v_.types[id]; }

int32_t SentencePieceBpe::piece_to_id(std::string_view p) const {
  if (auto it = reserved_.find(p); it != reserved_.end()) return it->second;
  if (auto it = mergeable_.find(p); it != mergeable_.end()) return it->second;
  return v_.unk_id;
}

// sentencepiece's Normalizer::Normalize with an identity (empty) character map.
std::string SentencePieceBpe::normalize(std::string_view text) const {
  std::string out;
  if (v_.remove_extra_whitespaces)
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  if (text.empty()) return out;
  out.reserve(text.size() * 3 + 3);
  if (v_.add_dummy_prefix) out += v_.escape_whitespaces ? kSpace : " ";
  bool prev_space = v_.remove_extra_whitespaces;
  while (!text.empty()) {
    const size_t len = utf8::valid_char_len(text);
    if (len == 0) {  // malformed UTF-8: one byte becomes U+FFFD, as sentencepiece does
      out += utf8::kReplacement;
      text.remove_prefix(1);
      prev_space = false;
      continue;
    }
    const std::string_view ch = text.substr(0, len);
    text.remove_prefix(len);
    if (ch == " ") {
      if (prev_space) continue;  // only with remove_extra_whitespaces
      out += v_.escape_whitespaces ? kSpace : " ";
      prev_space = v_.remove_extra_whitespaces;
    } else {
      out += ch;
      prev_space = false;
    }
  }
  if (v_.remove_extra_whitespaces) {
    const std::string_view sp = v_.escape_whitespaces ? kSpace : " ";
    while (std::string_view(out).ends_with(sp)) out.erase(out.size() - sp.size());  // (erase: resize trips a GCC 12 -Wrestrict false positive)
  }
  return out;
}

// A final symbol -> ids: its piece id, or its UTF-8 bytes as <0xXX> pieces when it is unknown.
void SentencePieceBpe::append_symbol_ids(std::string_view symbol, std::vector<int32_t>& out) const {
  const int32_t id = piece_to_id(symbol);
  if (type_of(id) != PieceType::Unknown) {
    out.push_back(id);
  } else if (v_.byte_fallback) {
    for (unsigned char b : symbol) out.push_back(byte_ids_[b]);
  } else if (out.empty() || out.back() != v_.unk_id) {  // runs of unknowns collapse to one
    out.push_back(id);
  }
}

std::vector<int32_t> SentencePieceBpe::encode(std::string_view text, bool add_bos) const {
  std::vector<int32_t> ids;
  if (add_bos && v_.bos_id >= 0) ids.push_back(v_.bos_id);
  const std::string norm = normalize(text);
  if (norm.empty()) return ids;

  // Symbols: a doubly linked list over the normalized text, one UTF-8 character each
  // (or one whole user-defined piece, which is then never merged).
  struct Symbol {
    int prev, next;
    bool freeze;
    std::string_view text;
  };
  std::vector<Symbol> sym;
  std::string_view rest = norm;
  while (!rest.empty()) {
    size_t len = 0;
    bool freeze = false;
    for (size_t l = std::min(max_user_defined_len_, rest.size()); l > 0; --l)
      if (user_defined_.find(rest.substr(0, l)) != user_defined_.end()) {
        len = l, freeze = true;
        break;
      }
    if (len == 0) len = std::max<size_t>(1, utf8::valid_char_len(rest));  // valid after normalize
    const int i = static_cast<int>(sym.size());
    sym.push_back({i - 1, rest.size() == len ? -1 : i + 1, freeze, rest.substr(0, len)});
    rest.remove_prefix(len);
  }

  struct Pair {
    float score;
    int left, right;
    size_t size;
  };
  auto worse = [](const Pair& a, const Pair& b) {  // max-heap: best score, then leftmost
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  };
  std::priority_queue<Pair, std::vector<Pair>, decltype(worse)> agenda(worse);
  StringMap<std::pair<std::string_view, std::string_view>> unused_splits;
  auto try_pair = [&](int l, int r) {
    if (l < 0 || r < 0 || sym[l].freeze || sym[r].freeze) return;
    const std::string_view merged(sym[l].text.data(), sym[l].text.size() + sym[r].text.size());
    const auto it = mergeable_.find(merged);
    if (it == mergeable_.end()) return;
    agenda.push({v_.scores[it->second], l, r, merged.size()});
    if (v_.types[it->second] == PieceType::Unused)  // merged for scoring, re-split at output
      unused_splits[std::string(merged)] = {sym[l].text, sym[r].text};
  };
  for (size_t i = 1; i < sym.size(); ++i) try_pair(static_cast<int>(i) - 1, static_cast<int>(i));

  while (!agenda.empty()) {
    const Pair top = agenda.top();
    agenda.pop();
    Symbol& l = sym[top.left];
    Symbol& r = sym[top.right];
    // Stale entry: one side was merged away or grew since the pair was queued.
    if (l.text.empty() || r.text.empty() || l.text.size() + r.text.size() != top.size || l.next != top.right)
      continue;
    l.text = std::string_view(l.text.data(), top.size);
    l.next = r.next;
    if (r.next >= 0) sym[r.next].prev = top.left;
    r.text = {};
    try_pair(l.prev, top.left);
    try_pair(top.left, l.next);
  }

  // Output; UNUSED pieces are split back into the parts they were merged from.
  auto emit = [&](auto&& self, std::string_view s) -> void {
    const int32_t id = piece_to_id(s);
    if (type_of(id) == PieceType::Unused) {
      if (auto it = unused_splits.find(s); it != unused_splits.end()) {
        self(self, it->second.first);
        self(self, it->second.second);
        return;
      }
    }
    append_symbol_ids(s, ids);
  };
  for (int i = 0; i >= 0; i = sym[i].next) emit(emit, sym[i].text);
  return ids;
}

// SentencePieceProcessor::Decode: control pieces vanish, <unk> shows as unk_surface, runs of
// byte pieces are joined and read as UTF-8 (each invalid byte -> U+FFFD), U+2581 -> ' ', and
// the dummy-prefix space of the first visible piece is dropped.
std::string SentencePieceBpe::decode(std::span<const int32_t> ids) const {
  std::string text, bytes;
  auto flush_bytes = [&] {
    utf8::append_sanitized(bytes, text);
    bytes.clear();
  };
  bool is_bos_ws = true, bos_ws_seen = false;
  for (int32_t id : ids) {
    check_id(id, "decode");
    const PieceType t = type_of(id);
    if (t == PieceType::Byte) {
      unsigned b = 0;
      std::sscanf(v_.pieces[id].c_str(), "<0x%02X>", &b);  // validated in the constructor
      bytes += static_cast<char>(b);
      continue;
    }
    flush_bytes();
    if (bos_ws_seen || !text.empty()) is_bos_ws = false;
    bos_ws_seen = false;
    if (t == PieceType::Control) continue;
    if (t == PieceType::Unknown) {
      text += v_.unk_surface;
      continue;
    }
    std::string_view p = v_.pieces[id];
    if (is_bos_ws && (v_.add_dummy_prefix || v_.remove_extra_whitespaces) && p.starts_with(kSpace)) {
      p.remove_prefix(kSpace.size());
      bos_ws_seen = !v_.remove_extra_whitespaces;
    }
    while (!p.empty()) {
      if (p.starts_with(kSpace)) {
        text += ' ';
        p.remove_prefix(kSpace.size());
      } else {
        text += p.front();
        p.remove_prefix(1);
      }
    }
  }
  flush_bytes();
  return text;
}

std::string SentencePieceBpe::decode_piece(int32_t prev, int32_t id) const {
  check_id(id, "decode_piece");
  const PieceType t = type_of(id);
  if (t == PieceType::Control) return {};
  if (t == PieceType::Unknown) return v_.unk_surface;
  if (t == PieceType::Byte) {
    unsigned b = 0;
    std::sscanf(v_.pieces[id].c_str(), "<0x%02X>", &b);
    return std::string(1, static_cast<char>(b));
  }
  std::string_view p = v_.pieces[id];
  const bool at_start = prev < 0 || (static_cast<size_t>(prev) < v_.pieces.size() && type_of(prev) == PieceType::Control);
  if (at_start && v_.add_dummy_prefix && p.starts_with(kSpace)) p.remove_prefix(kSpace.size());
  std::string out;
  for (size_t i = 0; i < p.size();) {
    if (p.substr(i).starts_with(kSpace)) {
      out += ' ';
      i += kSpace.size();
    } else {
      out += p[i++];
    }
  }
  return out;
}

}  // namespace npulab::llm
