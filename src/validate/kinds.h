// The kinds of validation case, one table row each (kinds.cpp): a kind names the metrics it
// predicts and reads a case's setup into the run that reproduces it. Adding a kind is one
// function returning a CaseKind and one row of the table.
#pragma once
#include <span>
#include <string>
#include <vector>

#include "validate/case.h"
#include "validate/case_reader.h"

namespace npulab::validate {

struct CaseKind {
  const char* name;  // "serving", "kernel", ...
  const char* what;  // one line for --list and docs
  std::vector<std::string> metrics;
  // Reads the [case.setup] table (every getter strict; finish() is called by the loader)
  // and returns the run. `resolve` is false for cases that are not expressible yet: their
  // keys and types are checked, but names (systems, models) are not looked up.
  CaseRun (*parse)(CaseReader& setup, bool resolve);
};

std::span<const CaseKind> case_kinds();
const CaseKind* find_case_kind(const std::string& name);  // nullptr when unknown

// The kinds' implementations (serving_kind.cpp, kernel_kind.cpp, collective_kind.cpp, nccl_kind.cpp).
CaseKind serving_kind();
CaseKind kernel_kind();
CaseKind collective_kind();
CaseKind nccl_kind();

}  // namespace npulab::validate
