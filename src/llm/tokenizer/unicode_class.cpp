#include "llm/tokenizer/unicode_class.h"

#include <algorithm>
#include <span>

namespace npulab::llm::unicode {

namespace {
struct CodeRange {
  char32_t lo, hi;
};
#include "llm/tokenizer/unicode_tables.inc"

bool in(std::span<const CodeRange> table, char32_t c) {
  const auto it = std::upper_bound(table.begin(), table.end(), c,
                                   [](char32_t v, const CodeRange& r) { return v < r.lo; });
  return it != table.begin() && c <= std::prev(it)->hi;
}
}  // namespace

bool is_letter(char32_t c) {
  if (c < 0x80) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
  return in(kLetterRanges, c);
}

bool is_number(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return in(kNumberRanges, c);
}

bool is_whitespace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

}  // namespace npulab::llm::unicode
