#include "llm/tokenizer/llama3_pretokenizer.h"

#include "llm/tokenizer/unicode_class.h"
#include "llm/tokenizer/utf8.h"

namespace npulab::llm {

namespace {

using unicode::is_letter;
using unicode::is_number;
using unicode::is_whitespace;

bool is_newline(char32_t c) { return c == '\r' || c == '\n'; }
char32_t lower_ascii(char32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

// Returns the length (in code points) of the match at i, or 0.
size_t match_at(const std::vector<char32_t>& cp, size_t i) {
  const size_t n = cp.size();
  auto at = [&](size_t k) -> char32_t { return k < n ? cp[k] : 0xFFFFFFFF; };
  // 1. contractions, case-insensitive
  if (cp[i] == '\'') {
    for (std::u32string_view suf : {U"s", U"t", U"re", U"ve", U"m", U"ll", U"d"}) {
      bool ok = true;
      for (size_t k = 0; k < suf.size(); ++k) ok = ok && lower_ascii(at(i + 1 + k)) == suf[k];
      if (ok) return 1 + suf.size();
    }
  }
  auto letters_from = [&](size_t k) {
    size_t e = k;
    while (e < n && is_letter(cp[e])) ++e;
    return e - k;
  };
  // 2. [^\r\n\p{L}\p{N}]?\p{L}+
  const bool opt = !is_newline(cp[i]) && !is_letter(cp[i]) && !is_number(cp[i]);
  if (opt && i + 1 < n && is_letter(cp[i + 1])) return 1 + letters_from(i + 1);
  if (is_letter(cp[i])) return letters_from(i);
  // 3. \p{N}{1,3}
  if (is_number(cp[i])) {
    size_t e = i;
    while (e < n && e - i < 3 && is_number(cp[e])) ++e;
    return e - i;
  }
  // 4. " ?[^\s\p{L}\p{N}]+[\r\n]*"
  auto symbol = [&](size_t k) { return k < n && !is_whitespace(cp[k]) && !is_letter(cp[k]) && !is_number(cp[k]); };
  size_t s = i + (cp[i] == ' ' && symbol(i + 1) ? 1 : 0);
  if (symbol(s)) {
    while (symbol(s)) ++s;
    while (s < n && is_newline(cp[s])) ++s;
    return s - i;
  }
  // Whitespace alternatives work on the maximal whitespace run [i, j).
  size_t j = i;
  while (j < n && is_whitespace(cp[j])) ++j;
  if (j == i) return 0;
  // 5. \s*[\r\n]+ : up to and including the last newline of the run
  for (size_t k = j; k > i; --k)
    if (is_newline(cp[k - 1])) return k - i;
  // 6. \s+(?!\S) : the run, minus its last char when a non-space follows
  if (j == n) return j - i;
  if (j - i >= 2) return j - 1 - i;
  // 7. \s+
  return j - i;
}

}  // namespace

std::vector<std::string_view> llama3_pretokenize(std::string_view text) {
  std::vector<char32_t> cp;
  std::vector<size_t> offset;  // byte offset of each code point, plus the end
  for (size_t pos = 0; pos < text.size();) {
    size_t len = utf8::valid_char_len(text.substr(pos));
    offset.push_back(pos);
    if (len == 0) {
      cp.push_back(0xFFFD);  // a malformed byte: a symbol, never a letter/number/space
      len = 1;
    } else {
      cp.push_back(utf8::decode(text.substr(pos), len));
    }
    pos += len;
  }
  offset.push_back(text.size());
  std::vector<std::string_view> out;
  for (size_t i = 0; i < cp.size();) {
    size_t len = match_at(cp, i);
    if (len == 0) len = 1;  // unreachable for this pattern, kept as a safe fallback
    out.push_back(text.substr(offset[i], offset[i + len] - offset[i]));
    i += len;
  }
  return out;
}

}  // namespace npulab::llm
