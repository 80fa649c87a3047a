// `npulab run <program.s|program.npx> [--hw CHIP] [--timing-only] [--trace out.json]
//  [--json] [--no-race-check] [--max-instructions N] [--max-sim-ms T]`: load, validate and simulate a
// program, print its statistics (total time, per-engine busy %, TFLOPS, HBM GB/s) and any
// races. Exit status: 0 ok, 1 error (bad program, deadlock, out of bounds...), 3 races.
#include <fmt/format.h>

#include "arch/chip.h"
#include "cli/command.h"
#include "cli/host_env.h"
#include "cli/ranges.h"
#include "common/error.h"
#include "isa/container.h"
#include "sim/simulator.h"
#include "sim/stats.h"

namespace npulab::cli {
namespace {

struct RunOptions {
  std::string program, hw, trace;
  bool timing_only = false, json = false, no_race_check = false;
  uint64_t max_instructions = sim::kDefaultMaxInstructions;
  double max_sim_ms = sim::kDefaultMaxSimNs / 1e6;
};

int run_program(const RunOptions& o) {
  const isa::Executable exe = isa::read_executable_file(o.program);
  const std::string chip_name = !o.hw.empty() ? o.hw : !exe.chip.empty() ? exe.chip : "trn2";
  const arch::ChipConfig cfg = arch::load_chip_by_name(chip_name);
  sim::SimOptions opts;
  opts.mode = o.timing_only ? sim::Mode::TimingOnly : sim::Mode::Functional;
  opts.check_races = !o.no_race_check;
  opts.trace_path = o.trace;
  opts.max_instructions = o.max_instructions;
  opts.max_sim_ns = o.max_sim_ms * 1e6;
  sim::Chip chip(cfg, opts.mode, chip_options_from_env());
  const sim::SimResult r = chip.run(exe, opts);
  if (o.json) {
    nlohmann::json j = sim::stats_to_json(r, cfg);
    j["program"] = o.program;
    j["mode"] = o.timing_only ? "timing-only" : "functional";
    if (!o.trace.empty()) j["trace"] = o.trace;
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("program         {} on {} ({})\n", o.program, cfg.name,
               o.timing_only ? "timing-only" : "functional");
    fmt::print("{}", sim::format_stats(r, cfg));
    if (!o.trace.empty()) fmt::print("\ntrace written to {} (open in https://ui.perfetto.dev)\n", o.trace);
  }
  if (!r.races.empty()) {
    fmt::print(stderr, "npulab: {} data race report{} (see above)\n", r.races.size(),
               r.races.size() == 1 ? "" : "s");
    return 3;
  }
  return 0;
}

Run setup_run(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  app.add_option("program", o->program, "program: assembly text (.s) or binary executable (.npx)")->required();
  app.add_option("--hw", o->hw, "chip name or hw/*.toml (default: the program's .chip, else trn2)");
  app.add_flag("--timing-only", o->timing_only, "simulate timing only: no values, no data storage");
  app.add_option("--trace", o->trace, "write a Chrome trace JSON timeline (opens in Perfetto)");
  app.add_flag("--json", o->json, "print the statistics as JSON");
  app.add_flag("--no-race-check", o->no_race_check, "disable the happens-before race detector");
  app.add_option("--max-instructions", o->max_instructions,
                 "stop with a runaway-loop error after this many executed instructions (0 = no limit)")
      ->capture_default_str();
  app.add_option("--max-sim-ms", o->max_sim_ms,
                 "stop with a runaway-loop error when simulated time passes this many ms "
                 "(0 = the largest, 53 simulated days)")
      ->capture_default_str()
      ->check(real_range(0, sim::kMaxSimNs / 1e6));
  return [o] { return run_program(*o); };
}

Registrar reg{"run", "Simulate a program: timing, engine utilisation, races, trace", setup_run};

}  // namespace
}  // namespace npulab::cli
