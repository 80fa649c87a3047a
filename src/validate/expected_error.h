// The validation summary `npulab bench` quotes beside its figures: the median |error| per
// kind of system ("npu": simulated chips, "gpu": the GPU model) and metric family over the
// validation cases no parameter was fitted on, as `npulab validate --write-errors` writes
// it (data/validation/expected_error.json, beside the cases).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "arch/chip_search.h"
#include "serve/report.h"

namespace npulab::validate {

// The errors of `family` ("npu" or "gpu") in the committed summary on `path`; empty when
// there is no summary or no case of that family. A summary that does not parse is an error
// naming the file.
std::vector<serve::FigureError> expected_errors_for(const std::string& family, const arch::ChipSearchPath& path);
std::vector<serve::FigureError> expected_errors_in(const std::string& file, const std::string& family);

}  // namespace npulab::validate
