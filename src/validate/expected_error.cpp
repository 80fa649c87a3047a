#include "validate/expected_error.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "validate/case.h"

namespace npulab::validate {

std::vector<serve::FigureError> expected_errors_in(const std::string& file, const std::string& family) {
  std::ifstream in(file);
  if (!in) fail("{}: cannot read the validation summary", file);
  std::vector<serve::FigureError> out;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    const nlohmann::json& errors = j.at("errors");
    if (!errors.contains(family)) return out;
    for (const char* metric : {"throughput", "ttft", "tpot"}) {
      if (!errors[family].contains(metric)) continue;
      const nlohmann::json& e = errors[family][metric];
      out.push_back({metric, e.at("median_abs_error_pct").get<double>(), e.at("cases").get<int64_t>()});
    }
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not a validation summary as `npulab validate --write-errors` writes it ({})", file, e.what());
  }
  return out;
}

std::vector<serve::FigureError> expected_errors_for(const std::string& family, const arch::ChipSearchPath& path) {
  std::string dir;
  try {
    dir = default_case_dir(path);
  } catch (const Error&) {
    return {};  // no validation data installed: the figures carry no stated error
  }
  const std::string file = (std::filesystem::path(dir) / "expected_error.json").string();
  if (!std::filesystem::exists(file)) return {};
  return expected_errors_in(file, family);
}

}  // namespace npulab::validate
