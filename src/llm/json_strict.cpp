#include "llm/json_strict.h"

#include <set>
#include <vector>

#include "common/error.h"

namespace npulab::llm {

nlohmann::json parse_json_strict(std::string_view text, const std::string& where) {
  using Event = nlohmann::json::parse_event_t;
  struct Object {
    std::set<std::string> keys;
    std::string last;  // the key being read, for the path of nested objects
  };
  std::vector<Object> open;  // the objects being parsed, outermost first
  std::string duplicate, path;
  auto callback = [&](int /*depth*/, Event ev, nlohmann::json& parsed) {
    if (ev == Event::object_start) {
      open.emplace_back();
    } else if (ev == Event::object_end) {
      if (!open.empty()) open.pop_back();
    } else if (ev == Event::key && !open.empty() && duplicate.empty()) {
      std::string k = parsed.get<std::string>();
      if (!open.back().keys.insert(k).second) {
        duplicate = k;
        for (size_t i = 0; i + 1 < open.size(); ++i) path += "." + open[i].last;
      }
      open.back().last = std::move(k);
    }
    return true;
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.begin(), text.end(), callback);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not valid JSON ({})", where, e.what());
  }
  if (!duplicate.empty())
    fail("{}: duplicate JSON key '{}' in object {} (a key may appear once)", where, duplicate,
         path.empty() ? std::string("<top level>") : path.substr(1));
  return j;
}

}  // namespace npulab::llm
