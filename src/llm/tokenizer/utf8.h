// UTF-8 helpers with SentencePiece's exact validity rules (util.cc DecodeUTF8): shortest
// form only, no surrogates, <= U+10FFFF. An invalid lead or sequence consumes one byte.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace npulab::llm::utf8 {

inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 character at the start of s, or 0 if it is not valid.
size_t valid_char_len(std::string_view s);

// Appends s to out with every invalid byte replaced by U+FFFD.
void append_sanitized(std::string_view s, std::string& out);

// Encodes one code point (must be valid) as UTF-8.
void append_codepoint(char32_t cp, std::string& out);

// Decodes the code point of a valid character of length len at the start of s.
char32_t decode(std::string_view s, size_t len);

}  // namespace npulab::llm::utf8
