// Validation cases: published measurements npulab reproduces (`npulab validate`). A case is
// data (data/validation/*.toml, docs/VALIDATION.md): where the number comes from, how far to
// trust it, the kind of run that reproduces it, its setup and the measured metrics. A kind
// (kinds.h) reads the setup strictly when the file is loaded and returns the run, so a bad
// setup fails at load time naming the file, the case and the field.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "arch/chip_search.h"

namespace npulab::validate {

// What a run needs from its caller (the CLI reads the environment; the library never does).
struct RunContext {
  arch::ChipSearchPath path = arch::ChipSearchPath::standard();
  std::string cache_dir;  // performance tables ("" = none)
  int threads = 1;        // host threads building a table
  std::function<void(const std::string& what)> status;  // progress lines, may be empty
};

// A run's result: its value of each metric the kind predicts, and what was run.
struct Prediction {
  std::map<std::string, double> metrics;
  std::string system_kind;  // "npu" (simulated chip) or "gpu" (the GPU model)
  std::string note;         // the deployment or program that produced it
};

using CaseRun = std::function<Prediction(const RunContext&)>;

struct Measured {
  std::string metric;  // one of the kind's metric names ("ttft_ms.p50", "output_tok_s", ...)
  double value = 0;
};

struct Case {
  std::string file, id, source, trust, kind;
  std::string tests;         // what the case checks
  std::string not_modelled;  // what the real run has that npulab does not model ("" = nothing known)
  bool expressible = true;
  std::string reason;        // why not expressible yet (expressible = false)
  std::string setup_text;    // the setup as one line, for listings
  // Metrics of this case a model parameter was fitted on (and which parameter): their
  // errors are not independent validation, so the report marks them and leaves them out of
  // the independent summary and the expected errors.
  std::vector<std::string> fitted;
  std::string fitted_by;
  std::vector<Measured> measured;
  CaseRun run;               // empty when not expressible
};

// Trust labels (docs/REFERENCES.md, MEAS): M measured by the publisher, M-3p by a third
// party, D a vendor's documented rule, T a CI bound or target.
const std::vector<std::string>& trust_labels();

// Every case of one file, or of every *.toml file of a directory (sorted by name). Ids are
// unique across everything loaded. Throws npulab::Error naming file, case and field.
std::vector<Case> load_case_file(const std::string& path);
std::vector<Case> load_case_text(const std::string& text, const std::string& source_name);
std::vector<Case> load_cases(const std::string& file_or_dir);
// The committed cases: data/validation beside the first hw directory of `path` that has one
// (the source tree's, through the build's hw link, or an installed share/npulab/data/validation).
// Throws naming the directories searched when none has.
std::string default_case_dir(const arch::ChipSearchPath& path);

}  // namespace npulab::validate
