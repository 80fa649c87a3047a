// npulab: command-line entry point. Each subcommand lives in its own cmd_*.cpp and
// registers itself in the registry; main only wires them into CLI11.
#include <fmt/core.h>

#include <algorithm>
#include <memory>

#include "cli/command.h"
#include "common/error.h"

namespace npulab::cli {
std::vector<CommandDef>& registry() {
  static std::vector<CommandDef> r;
  return r;
}
}  // namespace npulab::cli

int main(int argc, char** argv) {
  using namespace npulab::cli;
  CLI::App app{"npulab: a software Trainium-class accelerator lab"};
  app.require_subcommand(1);
  // The registry is complete once static initialisation is done; main reads a sorted copy.
  auto cmds = registry();
  std::sort(cmds.begin(), cmds.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::vector<std::pair<CLI::App*, Run>> runs;
  for (auto& c : cmds) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    runs.emplace_back(sub, c.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (auto& [sub, run] : runs)
      if (sub->parsed()) return run();
  } catch (const npulab::Error& e) {
    fmt::print(stderr, "npulab: error: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "npulab: internal error: {}\n", e.what());
    return 2;
  }
  return 0;
}
