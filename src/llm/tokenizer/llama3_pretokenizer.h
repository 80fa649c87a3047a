// The Llama 3 pre-tokenizer: splits text into the chunks matched, left to right, by
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
//   \s*[\r\n]+|\s+(?!\S)|\s+
// implemented as a hand-written matcher (first matching alternative wins, each with the
// greedy/backtracking result a regex engine would give). BPE then runs inside each chunk.
#pragma once
#include <string_view>
#include <vector>

namespace npulab::llm {

inline constexpr std::string_view kLlama3SplitPattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

// Chunks of `text` (valid UTF-8 expected; a malformed byte is treated as one symbol char).
std::vector<std::string_view> llama3_pretokenize(std::string_view text);

}  // namespace npulab::llm
