// `npulab info <chip system>` (called by cmd_info.cpp): a multi-chip system's derived totals
// (chips, PFLOPS per dtype, HBM capacity and bandwidth, NeuronLink per chip, bisection
// bandwidth, links) beside its published totals (hw/systems/<name>.toml [published]).
#pragma once
#include <string>
#include <vector>

#include "arch/chip_search.h"

namespace npulab::cli {

// True when `name` is a chip system on `path` (a name under systems/ or a path to one).
bool is_chip_system(const std::string& name, const arch::ChipSearchPath& path);
int print_chip_system_info(const std::string& name, bool json);
// "  name  description" lines of every chip system, for `npulab info` without arguments.
std::vector<std::pair<std::string, std::string>> chip_system_list(const arch::ChipSearchPath& path);

}  // namespace npulab::cli
