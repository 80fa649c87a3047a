// JSON of model files parsed strictly: invalid JSON and duplicate keys in any object are
// errors naming the source and the key. nlohmann::json keeps the last of two equal keys
// silently, which lets a file say two things at once (the safetensors format forbids
// duplicate keys for that reason: a checker and a loader could read different tensors).
// Detection uses nlohmann's documented parser callback (one event per key).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace npulab::llm {

// Throws npulab::Error "<where>: not valid JSON (...)" or "<where>: duplicate JSON key
// 'k' in object <path>".
nlohmann::json parse_json_strict(std::string_view text, const std::string& where);

}  // namespace npulab::llm
