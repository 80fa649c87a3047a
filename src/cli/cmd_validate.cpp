// `npulab validate`: every published measurement of data/validation/*.toml that npulab can
// express, reproduced and compared - the signed error per case and metric, the median
// absolute error and the worst point per kind and overall; cases npulab cannot express yet
// are listed with the reason. A report: it exits 0 whatever the errors, non-zero only on bad
// input or a run that fails. docs/VALIDATION.md. Under `mpirun -n R` the cases are dealt over
// the ranks and rank 0 writes the report (docs/SYSTEMS.md, "One run over MPI ranks").
#include <fmt/format.h>

#include <fstream>
#include <thread>

#include "cli/command.h"
#include "cli/host_env.h"
#include "common/error.h"
#include "validate/kinds.h"
#include "validate/report.h"

namespace npulab::cli {
namespace {

struct ValidateArgs {
  std::string cases, json, write_errors, cache_dir;
  std::vector<std::string> ids, kinds;
  bool list = false, no_cache = false, quiet = false;
  int64_t threads = 0;
};

void write_json(const std::string& file, const nlohmann::json& j, const char* option) {
  std::ofstream out(file);
  if (!out) fail("{}: cannot write '{}'", option, file);
  out << j.dump(1) << "\n";
}

int run(const ValidateArgs& a, dist::Comm& comm) {
  validate::RunContext ctx;
  const std::string dir = a.cases.empty() ? validate::default_case_dir(ctx.path) : a.cases;
  std::vector<validate::Case> all = validate::load_cases(dir);
  for (const std::string& k : a.kinds)
    if (!validate::find_case_kind(k)) {
      std::vector<std::string> names;
      for (const auto& ck : validate::case_kinds()) names.push_back(ck.name);
      fail("--kind '{}': no such kind (known: {})", k, fmt::join(names, ", "));
    }
  std::vector<validate::Case> cases;
  for (validate::Case& c : all) {
    const bool id_ok = a.ids.empty() || std::find(a.ids.begin(), a.ids.end(), c.id) != a.ids.end();
    const bool kind_ok = a.kinds.empty() || std::find(a.kinds.begin(), a.kinds.end(), c.kind) != a.kinds.end();
    if (id_ok && kind_ok) cases.push_back(std::move(c));
  }
  for (const std::string& id : a.ids)
    if (std::none_of(cases.begin(), cases.end(), [&](const validate::Case& c) { return c.id == id; }))
      fail("--case '{}': no such case in {} (npulab validate --list shows them)", id, dir);
  if (a.list) {
    if (comm.root()) fmt::print("{}", validate::case_list_text(cases));
    return 0;
  }
  if (!a.write_errors.empty() && (!a.ids.empty() || !a.kinds.empty()))
    fail("--write-errors summarises every case: do not combine it with --case or --kind");
  ctx.cache_dir = a.no_cache ? "" : (a.cache_dir.empty() ? cache_dir_from_env() : a.cache_dir);
  ctx.threads = a.threads > 0 ? int(a.threads) : int(std::max(1u, std::thread::hardware_concurrency()));
  if (!a.quiet && comm.size() == 1) ctx.status = [](const std::string& s) { fmt::print(stderr, "npulab validate: {}\n", s); };
  if (!a.quiet && comm.size() > 1) {
    const std::string who = fmt::format("npulab validate (rank {} of {})", comm.rank(), comm.size());
    ctx.status = [who](const std::string& s) { fmt::print(stderr, "{}: {}\n", who, s); };
  }
  const validate::Report rep = validate::run_cases(cases, ctx, comm);
  if (!comm.root()) return 0;
  fmt::print("{}", validate::report_text(rep));
  if (!a.json.empty()) write_json(a.json, validate::report_json(rep), "--json");
  if (!a.write_errors.empty()) write_json(a.write_errors, validate::expected_errors(rep), "--write-errors");
  return 0;
}

Run setup(CLI::App& app, dist::Comm& comm) {
  auto a = std::make_shared<ValidateArgs>();
  app.add_option("--cases", a->cases, "a case file or a directory of them (default: the committed data/validation)");
  app.add_option("--case", a->ids, "run only this case id (repeatable)");
  app.add_option("--kind", a->kinds, "run only cases of this kind (repeatable: serving, kernel, collective, nccl)");
  app.add_flag("--list", a->list, "list the cases (setup, measured metrics) without running them");
  app.add_option("--json", a->json, "write every comparison and the summaries as JSON");
  app.add_option("--write-errors", a->write_errors,
                 "write the expected-error summary npulab bench quotes (data/validation/expected_error.json)");
  app.add_option("--cache-dir", a->cache_dir, "performance-table cache (default $NPULAB_CACHE_DIR, ~/.cache/npulab)");
  app.add_flag("--no-cache", a->no_cache, "build performance tables without reading or writing the cache");
  app.add_option("--threads", a->threads, "host threads building a table (default: all)");
  app.add_flag("--quiet", a->quiet, "no progress lines on stderr");
  return [a, &comm]() { return run(*a, comm); };
}

Registrar reg{"validate", "Reproduce published measurements (data/validation) and report the error of each", setup};

}  // namespace
}  // namespace npulab::cli
