// Where chip descriptions are found. A chip given by name ("trn2") is looked up as
// <dir>/<name>.toml in the directories of a ChipSearchPath, first match wins; anything that
// looks like a path ("hw/trn2.toml", "x.toml", "/abs/y.toml") is loaded as given. The
// standard path needs no compile-time directory, so a build tree and an installed tree
// (cmake --install) both work from any working directory:
//   1. every directory in the environment variable NPULAB_HW_PATH (':'-separated), in order;
//   2. <directory of the running executable>/hw: in the build tree CMake links it to the
//      source tree's hw/ (so a chip added there shows up without rebuilding);
//   3. <directory of the running executable>/../share/npulab/hw: the installed layout.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "arch/chip.h"

namespace npulab::arch {

struct ChipSearchPath {
  struct Dir {
    std::filesystem::path path;
    std::string origin;  // why it is searched ("NPULAB_HW_PATH", "next to the executable", ...)
  };
  std::vector<Dir> dirs;

  // The standard path above, built now from the environment and the executable's location
  // (nothing is cached: every call sees the current environment).
  static ChipSearchPath standard();
  // The directories named by a NPULAB_HW_PATH-style list ("a:b:c"; empty entries skipped).
  static ChipSearchPath from_list(const std::string& colon_separated, const std::string& origin);
  // "dir (origin), dir (origin), ..." for error messages.
  std::string describe() const;
};

// Chip names found on the path (file stems of *.toml, sorted, duplicates once: the first
// directory holding a name is the one load_chip_by_name uses).
std::vector<std::string> chip_names(const ChipSearchPath& path);
// Resolve a chip by name on `path`, or load it from a file path. An unknown name throws
// npulab::Error listing the chips found and every directory searched.
ChipConfig load_chip_by_name(const std::string& name_or_path, const ChipSearchPath& path);
// The file a name resolves to ("" when no directory holds it).
std::filesystem::path find_chip_file(const std::string& name, const ChipSearchPath& path);

// Other kinds of hardware file live in subdirectories of the same path's directories
// (GPUs in <dir>/gpu/, GPU systems in <dir>/systems/, GPU model calibrations in
// <dir>/gpu/calibration/; arch/gpu.h): the same lookup with `subdir` ("" = chips).
std::vector<std::string> hw_names(const ChipSearchPath& path, const std::string& subdir);
std::filesystem::path find_hw_file(const std::string& name, const ChipSearchPath& path, const std::string& subdir);
// The file to load for `name_or_path`: a path as given, else the first <dir>/<subdir>/<name>.toml.
// An unknown or empty name throws npulab::Error naming the `kind` ("chip", "GPU", ...), the
// names found and every directory searched.
std::string resolve_hw_file(const std::string& kind, const std::string& name_or_path, const ChipSearchPath& path,
                            const std::string& subdir);
// The same lookup without the error: a path as given, else the first <dir>/<subdir>/<name>.toml,
// else "" (for callers that ask several kinds of file in turn).
std::string find_hw_file_or_path(const std::string& name_or_path, const ChipSearchPath& path, const std::string& subdir);

}  // namespace npulab::arch
