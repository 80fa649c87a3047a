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

std::vector<std::string> hw_names(const ChipSearchPath& path, const std::string& subdir) {
  std::set<std::string> names;
  for (const auto& d : path.dirs) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d.path / subdir, ec))
      if (e.path().extension() == ".toml" && e.is_regular_file(ec)) names.insert(e.path().stem().string());
  }
  return {names.begin(), names.end()};
}

fs::path find_hw_file(const std::string& name, const ChipSearchPath& path, const std::string& subdir) {
  for (const auto& d : path.dirs) {
    std::error_code ec;
    const fs::path f = d.path / subdir / (name + ".toml");
    if (fs::is_regular_file(f, ec)) return f;
  }
  return {};
}

std::string find_hw_file_or_path(const std::string& name_or_path, const ChipSearchPath& path, const std::string& subdir) {
  if (looks_like_path(name_or_path)) return name_or_path;
  return find_hw_file(name_or_path, path, subdir).string();
}

std::string resolve_hw_file(const std::string& kind, const std::string& name_or_path, const ChipSearchPath& path,
                            const std::string& subdir) {
  const std::string where = subdir.empty() ? path.describe() : fmt::format("{} under {}/", path.describe(), subdir);
  if (name_or_path.empty())
    fail("empty {} name (available: {}; searched {})", kind, fmt::join(hw_names(path, subdir), ", "), where);
  const std::string f = find_hw_file_or_path(name_or_path, path, subdir);
  if (f.empty()) {
    const auto names = hw_names(path, subdir);
    fail("unknown {} '{}' (available: {}; searched {}; set NPULAB_HW_PATH or give a path to a "
         ".toml file)", kind, name_or_path, names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", ")),
         where);
  }
  return f;
}

std::vector<std::string> chip_names(const ChipSearchPath& path) { return hw_names(path, ""); }

fs::path find_chip_file(const std::string& name, const ChipSearchPath& path) { return find_hw_file(name, path, ""); }

ChipConfig load_chip_by_name(const std::string& name_or_path, const ChipSearchPath& path) {
  return load_chip(resolve_hw_file("chip", name_or_path, path, ""));
}

ChipConfig load_chip_by_name(const std::string& name_or_path) {
  return load_chip_by_name(name_or_path, ChipSearchPath::standard());
}

std::vector<std::string> builtin_chip_names() { return chip_names(ChipSearchPath::standard()); }

}  // namespace npulab::arch
