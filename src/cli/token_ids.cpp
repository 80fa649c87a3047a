#include "cli/token_ids.h"

#include <sstream>

#include "common/error.h"

namespace npulab::cli {

std::vector<int64_t> parse_token_ids(const std::string& s) {
  std::vector<int64_t> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {  // std::stoll's invalid_argument / out_of_range: not an id
      used = 0;
    }
    if (used == 0 || used != item.size()) fail("--tokens: '{}' is not an integer (expected e.g. 1,2,3)", item);
    out.push_back(v);
  }
  if (out.empty()) fail("--tokens: no token ids given");
  return out;
}

}  // namespace npulab::cli
