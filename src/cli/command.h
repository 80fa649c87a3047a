// Subcommands of the `npulab` CLI register themselves by name (no if/else dispatch):
//   static npulab::cli::Registrar reg{"info", "Print a chip's derived peaks", setup_info};
// where setup_info(CLI::App&) adds options and returns the function to run. A command that
// spreads its work over the ranks of an MPI launch (docs/SYSTEMS.md, "One run over MPI
// ranks") registers a setup that also takes the run's communicator; every other command
// runs in one process and refuses `mpirun -n R` with R > 1.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "dist/comm.h"

namespace npulab::cli {

using Run = std::function<int()>;
using Setup = std::function<Run(CLI::App&)>;
using DistSetup = std::function<Run(CLI::App&, dist::Comm&)>;

struct CommandDef {
  std::string name;
  std::string help;
  Setup setup;           // one of the two
  DistSetup dist_setup;
};

std::vector<CommandDef>& registry();

struct Registrar {
  Registrar(std::string name, std::string help, Setup setup) {
    registry().push_back({std::move(name), std::move(help), std::move(setup), {}});
  }
  Registrar(std::string name, std::string help, DistSetup setup) {
    registry().push_back({std::move(name), std::move(help), {}, std::move(setup)});
  }
};

}  // namespace npulab::cli
