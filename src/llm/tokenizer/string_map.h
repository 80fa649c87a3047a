// unordered_map keyed by std::string that can be probed with a std::string_view without
// building a temporary string (C++20 heterogeneous lookup).
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace npulab::llm {

struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <typename V>
using StringMap = std::unordered_map<std::string, V, StringViewHash, std::equal_to<>>;

}  // namespace npulab::llm
