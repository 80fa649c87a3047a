// Finding chips by name on a search path (arch/chip_search.h).
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "arch/chip.h"
#include "arch/chip_search.h"
#include "common/error.h"

namespace npulab::arch {
namespace fs = std::filesystem;
namespace {

bool looks_like_path(const std::string& s) {
  return s.find('/') != std::string::npos || s.find('\\') != std::string::npos ||
         (s.size() > 5 && s.ends_with(".toml"));
}

// Directory of the running executable (Linux: /proc/self/exe); empty if unknown.
fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

}  // namespace

ChipSearchPath ChipSearchPath::from_list(const std::string& list, const std::string& origin) {
  ChipSearchPath p;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t end = std::min(list.find(':', start), list.size());
    if (end > start) p.dirs.push_back({fs::path(list.substr(start, end - start)), origin});
    start = end + 1;
  }
  return p;
}

ChipSearchPath ChipSearchPath::standard() {
  ChipSearchPath p;
  if (const char* env = std::getenv("NPULAB_HW_PATH")) p = from_list(env, "NPULAB_HW_PATH");
  if (const fs::path exe = executable_dir(); !exe.empty()) {
    p.dirs.push_back({exe / "hw", "next to the executable"});
    p.dirs.push_back({(exe / ".." / "share" / "npulab" / "hw").lexically_normal(), "installed"});
  }
  return p;
}

std::string ChipSearchPath::describe() const {
  if (dirs.empty()) return "no directories";
  std::string s;
  for (const Dir& d : dirs) s += fmt::format("{}{} ({})", s.empty() ? "" : ", ", d.path.string(), d.origin);
  return s;
}

std::vector<std::string> chip_names(const ChipSearchPath& path) {
  std::set<std::string> names;
  for (const auto& d : path.dirs) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d.path, ec))
      if (e.path().extension() == ".toml" && e.is_regular_file(ec)) names.insert(e.path().stem().string());
  }
  return {names.begin(), names.end()};
}

fs::path find_chip_file(const std::string& name, const ChipSearchPath& path) {
  for (const auto& d : path.dirs) {
    std::error_code ec;
    const fs::path f = d.path / (name + ".toml");
    if (fs::is_regular_file(f, ec)) return f;
  }
  return {};
}

ChipConfig load_chip_by_name(const std::string& name_or_path, const ChipSearchPath& path) {
  if (name_or_path.empty())
    fail("empty chip name (available: {}; searched {})", fmt::join(chip_names(path), ", "), path.describe());
  if (looks_like_path(name_or_path)) return load_chip(name_or_path);
  const fs::path f = find_chip_file(name_or_path, path);
  if (f.empty()) {
    const auto names = chip_names(path);
    fail("unknown chip '{}' (available: {}; searched {}; set NPULAB_HW_PATH or give a path to a "
         ".toml file)", name_or_path, names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", ")),
         path.describe());
  }
  return load_chip(f.string());
}

ChipConfig load_chip_by_name(const std::string& name_or_path) {
  return load_chip_by_name(name_or_path, ChipSearchPath::standard());
}

std::vector<std::string> builtin_chip_names() { return chip_names(ChipSearchPath::standard()); }

}  // namespace npulab::arch
