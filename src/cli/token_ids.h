// Token ids given on the command line (`--tokens 1,2,3`), shared by generate and compile.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace npulab::cli {

// "1,2,3" -> {1, 2, 3}; throws npulab::Error naming --tokens and the bad item.
std::vector<int64_t> parse_token_ids(const std::string& s);

}  // namespace npulab::cli
