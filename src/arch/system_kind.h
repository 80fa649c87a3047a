// hw/systems/ holds two kinds of system file: GPU systems ([system] gpu = "h100-sxm",
// arch/gpu.h) and chip systems ([system] chip = "trn2", arch/chip_system.h). The kind is the
// key the [system] table has; a file with both or neither is an error naming it.
#pragma once
#include <string>
#include <vector>

#include "arch/chip_search.h"

namespace npulab::arch {

enum class SystemKind { Gpu, Chip };

constexpr const char* kSystemsDir = "systems";

// The kind of the system file at `file` (parsed, nothing else validated).
SystemKind system_file_kind(const std::string& file);
// Names under <dir>/systems/ of that kind (sorted; the first directory holding a name wins,
// as for every hw file).
std::vector<std::string> system_names(const ChipSearchPath& path, SystemKind kind);
// The file `name_or_path` resolves to, refused when it is not of `kind` (the message names
// the file, its key and the loader to use).
std::string resolve_system_file(const std::string& name_or_path, const ChipSearchPath& path, SystemKind kind);

}  // namespace npulab::arch
