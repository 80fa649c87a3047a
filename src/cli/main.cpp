// npulab: command-line entry point. Each subcommand lives in its own cmd_*.cpp and
// registers itself in the registry; main only wires them into CLI11, and owns the run's
// communicator (dist::Runtime: MPI_Init/Finalize when mpirun launched it) for its lifetime.
#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/command.h"
#include "common/error.h"
#include "dist/runtime.h"

namespace npulab::cli {
std::vector<CommandDef>& registry() {
  static std::vector<CommandDef> r;
  return r;
}
}  // namespace npulab::cli

namespace {

int run_command(int argc, char** argv, npulab::dist::Comm& comm) {
  using namespace npulab::cli;
  CLI::App app{"npulab: a software Trainium-class accelerator lab"};
  app.require_subcommand(1);
  // The registry is complete once static initialisation is done; main reads a sorted copy.
  auto cmds = registry();
  std::sort(cmds.begin(), cmds.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  struct Parsed {
    CLI::App* sub;
    Run run;
    bool distributed;
  };
  std::vector<Parsed> runs;
  for (auto& c : cmds) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    runs.push_back({sub, c.dist_setup ? c.dist_setup(*sub, comm) : c.setup(*sub), bool(c.dist_setup)});
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Every rank parses the same arguments; one prints the help or the error.
    std::ostringstream quiet;
    return comm.root() ? app.exit(e) : app.exit(e, quiet, quiet);
  }
  for (auto& p : runs) {
    if (!p.sub->parsed()) continue;
    if (!p.distributed && comm.size() > 1) {
      // Every rank sees this alike, so they all end normally and one says why.
      if (comm.root())
        fmt::print(stderr, "npulab: error: npulab {} runs in one process, but mpirun started {}: run it without "
                   "mpirun (or -n 1); bench, collective and validate spread over ranks\n", p.sub->get_name(), comm.size());
      return 1;
    }
    return p.run();
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<npulab::dist::Runtime> rt;
  try {
    rt.emplace(argc, argv);
  } catch (const npulab::Error& e) {
    fmt::print(stderr, "npulab: error: {}\n", e.what());
    return 1;
  }
  npulab::dist::Comm& comm = rt->comm();
  // An error on one rank ends every rank (the others may be waiting in a collective); each
  // rank that fails says why, prefixed with its rank when there are several. A command's own
  // exit code is every rank's (the commands reduce it), so it returns normally.
  const std::string who = comm.size() > 1 ? fmt::format(" (rank {} of {})", comm.rank(), comm.size()) : "";
  auto failed = [&](const char* what, const char* msg, int code) {
    fmt::print(stderr, "npulab: {}{}: {}\n", what, who, msg);
    std::fflush(stderr);
    if (comm.size() > 1) comm.abort(code);
    return code;
  };
  try {
    return run_command(argc, argv, comm);
  } catch (const npulab::Error& e) {
    return failed("error", e.what(), 1);
  } catch (const std::exception& e) {
    return failed("internal error", e.what(), 2);
  }
}
