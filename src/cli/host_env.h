// The environment the `npulab` command reads, once per command and only here (the
// libraries take everything as values): NPULAB_SIM_THREADS=1 runs each chip's large
// matmuls on one host thread (sim::ChipOptions::helper_thread = false); NPULAB_CACHE_DIR,
// else $XDG_CACHE_HOME/npulab, else $HOME/.cache/npulab, is where `npulab bench` caches
// performance tables. NPULAB_HW_PATH is part of the chip search path (arch/chip_search.h).
#pragma once
#include <string>

#include "sim/simulator.h"

namespace npulab::cli {

sim::ChipOptions chip_options_from_env();
// The cache directory ("" when none of the variables is set).
std::string cache_dir_from_env();

}  // namespace npulab::cli
