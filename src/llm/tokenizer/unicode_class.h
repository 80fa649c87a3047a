// Unicode character classes used by regex-style pre-tokenizers.
#pragma once

namespace npulab::llm::unicode {

bool is_letter(char32_t c);      // \p{L}
bool is_number(char32_t c);      // \p{N}
bool is_whitespace(char32_t c);  // \s (the White_Space property)

}  // namespace npulab::llm::unicode
