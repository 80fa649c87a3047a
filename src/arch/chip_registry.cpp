// Finding chips: built-in names map to hw/<name>.toml in the source tree (NPULAB_SOURCE_DIR,
// set by CMake, so every binary finds them from any working directory); anything that
// looks like a path is loaded as given.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "arch/chip.h"
#include "common/error.h"

namespace npulab::arch {
namespace fs = std::filesystem;
namespace {

fs::path hw_dir() { return fs::path(NPULAB_SOURCE_DIR) / "hw"; }

bool looks_like_path(const std::string& s) {
  return s.find('/') != std::string::npos || s.find('\\') != std::string::npos ||
         (s.size() > 5 && s.ends_with(".toml"));
}

}  // namespace

std::vector<std::string> builtin_chip_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(hw_dir(), ec))
    if (e.is_regular_file() && e.path().extension() == ".toml")
      names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

ChipConfig load_chip_by_name(const std::string& name_or_path) {
  if (name_or_path.empty()) fail("empty chip name (available: {})",
                                 fmt::join(builtin_chip_names(), ", "));
  if (looks_like_path(name_or_path)) return load_chip(name_or_path);
  auto names = builtin_chip_names();
  if (std::find(names.begin(), names.end(), name_or_path) == names.end())
    fail("unknown chip '{}' (available: {}; or give a path to a .toml file)", name_or_path,
         names.empty() ? std::string("none found in ") + hw_dir().string()
                       : fmt::format("{}", fmt::join(names, ", ")));
  return load_chip((hw_dir() / (name_or_path + ".toml")).string());
}

}  // namespace npulab::arch
