// The price options every command that prices a run shares (`npulab price`, later `npulab
// bench`): the price basis, a user's price per hour or price file, and what a run on a
// `--system` uses (a GPU system's GPUs, or one chip of a chip file). docs/COST.md.
#pragma once
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "arch/chip_search.h"
#include "serve/cost.h"

namespace npulab::cli {

struct CostOptions {
  std::string basis = "capacity_block";  // arch::parse_price_basis
  double price_per_hour = 0;             // > 0: the user's price for the run's devices
  std::string price_file;                // an instance file of the user's (hw/instances format)
};
void add_cost_options(CLI::App& app, CostOptions& o);

// The accelerators a run on `system` uses: a GPU system's GPUs, or one chip.
struct RunDevices {
  std::string device;  // chip or GPU hw name
  int64_t count = 1;
};
RunDevices run_devices(const std::string& system, const arch::ChipSearchPath& path);

// The run's price and power under `o`: the user's price or price file first, else the
// instances on `path`.
serve::RunCostData resolve_run_cost(const RunDevices& d, const CostOptions& o, const arch::ChipSearchPath& path);

}  // namespace npulab::cli
