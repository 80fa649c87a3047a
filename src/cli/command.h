// Subcommands of the `npulab` CLI register themselves by name (no if/else dispatch):
//   static npulab::cli::Registrar reg{"info", "Print a chip's derived peaks", setup_info};
// where setup_info(CLI::App&) adds options and returns the function to run.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace npulab::cli {

using Run = std::function<int()>;
using Setup = std::function<Run(CLI::App&)>;

struct CommandDef {
  std::string name;
  std::string help;
  Setup setup;
};

std::vector<CommandDef>& registry();

struct Registrar {
  Registrar(std::string name, std::string help, Setup setup) {
    registry().push_back({std::move(name), std::move(help), std::move(setup)});
  }
};

}  // namespace npulab::cli
