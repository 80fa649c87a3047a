#include "llm/tokenizer/utf8.h"

namespace npulab::llm::utf8 {

namespace {
bool trail(unsigned char c) { return (c & 0xC0) == 0x80; }
bool valid_cp(char32_t c) { return c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF); }
}  // namespace

char32_t decode(std::string_view s, size_t len) {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  switch (len) {
    case 1: return b[0];
    case 2: return ((b[0] & 0x1Fu) << 6) | (b[1] & 0x3Fu);
    case 3: return ((b[0] & 0x0Fu) << 12) | ((b[1] & 0x3Fu) << 6) | (b[2] & 0x3Fu);
    default: return ((b[0] & 0x07u) << 18) | ((b[1] & 0x3Fu) << 12) | ((b[2] & 0x3Fu) << 6) | (b[3] & 0x3Fu);
  }
}

size_t valid_char_len(std::string_view s) {
  if (s.empty()) return 0;
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  if (b[0] < 0x80) return 1;
  size_t len;
  char32_t min;
  if ((b[0] & 0xE0) == 0xC0) len = 2, min = 0x80;
  else if ((b[0] & 0xF0) == 0xE0) len = 3, min = 0x800;
  else if ((b[0] & 0xF8) == 0xF0) len = 4, min = 0x10000;
  else return 0;
  if (s.size() < len) return 0;
  for (size_t i = 1; i < len; ++i)
    if (!trail(b[i])) return 0;
  const char32_t cp = decode(s, len);
  return cp >= min && valid_cp(cp) ? len : 0;
}

void append_sanitized(std::string_view s, std::string& out) {
  while (!s.empty()) {
    const size_t n = valid_char_len(s);
    if (n == 0) {
      out += kReplacement;
      s.remove_prefix(1);
    } else {
      out.append(s.substr(0, n));
      s.remove_prefix(n);
    }
  }
}

void append_codepoint(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace npulab::llm::utf8
