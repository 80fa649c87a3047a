// `npulab gpu-calibrate`: the GPU operator model against the measured H100 operator times it
// is calibrated on (docs/GPU.md, "Calibration"). By default it reports the error of the
// committed calibration per operator, per model and per group; --fit refits the named
// parameters (deterministic) and reports the refit; --write FILE writes the refit as a
// calibration file (how hw/gpu/calibration/vidur-h100.toml is made).
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "arch/gpu.h"
#include "cli/command.h"
#include "common/error.h"
#include "gpu/fit.h"

namespace npulab::cli {
namespace {

struct Args {
  std::string gpu = "h100-sxm", data = "data/calibration/vidur-h100", write;
  bool fit = false, json = false;
};

void print_errors(const gpu::ErrorReport& rep) {
  fmt::print("{:<28} {:<26} {:>6} {:>8} {:>8} {:>8}\n", "source", "operator", "points", "median%", "p90%", "max%");
  for (const auto& r : rep.rows)
    fmt::print("{:<28} {:<26} {:>6} {:>8.1f} {:>8.1f} {:>8.1f}\n", r.source, r.op, r.points, r.median_pct, r.p90_pct,
               r.max_pct);
  fmt::print("\n{:<28} {:<26} {:>6} {:>8} {:>8} {:>8}\n", "source", "group", "points", "median%", "p90%", "max%");
  for (const auto& r : rep.models)
    fmt::print("{:<28} {:<26} {:>6} {:>8.1f} {:>8.1f} {:>8.1f}\n", r.source, gpu::fit_group_name(r.group), r.points,
               r.median_pct, r.p90_pct, r.max_pct);
  fmt::print("\n{:<28} {:<26} {:>6} {:>8} {:>8} {:>8}\n", "group", "", "points", "median%", "p90%", "max%");
  for (const auto& r : rep.groups)
    fmt::print("{:<28} {:<26} {:>6} {:>8.1f} {:>8.1f} {:>8.1f}\n", gpu::fit_group_name(r.group), "", r.points,
               r.median_pct, r.p90_pct, r.max_pct);
}

nlohmann::ordered_json errors_json(const gpu::ErrorReport& rep) {
  auto row = [](const gpu::ErrorRow& r) {
    return nlohmann::ordered_json{{"source", r.source}, {"op", r.op}, {"group", gpu::fit_group_name(r.group)},
                                  {"points", r.points}, {"median_pct", r.median_pct}, {"p90_pct", r.p90_pct},
                                  {"max_pct", r.max_pct}};
  };
  nlohmann::ordered_json j{{"rows", nlohmann::ordered_json::array()},
                           {"models", nlohmann::ordered_json::array()},
                           {"groups", nlohmann::ordered_json::array()}};
  for (const auto& r : rep.rows) j["rows"].push_back(row(r));
  for (const auto& r : rep.models) j["models"].push_back(row(r));
  for (const auto& r : rep.groups) j["groups"].push_back(row(r));
  return j;
}

int run(const Args& a) {
  const arch::ChipSearchPath path = arch::ChipSearchPath::standard();
  const arch::GpuSpec spec = arch::load_gpu_by_name(a.gpu, path);
  arch::GpuCalibration cal = arch::load_gpu_calibration_by_name(spec.calibration, path);
  const auto pts = gpu::load_vidur_points(a.data);
  const bool fit = a.fit || !a.write.empty();
  if (fit) cal = gpu::fit_calibration(spec, cal, pts);
  const gpu::ErrorReport rep = gpu::fit_errors({spec, cal}, pts);
  if (!a.write.empty()) {
    std::ofstream out(a.write, std::ios::binary);
    out << gpu::calibration_toml(cal, spec.name, pts);
    if (!out) fail("{}: cannot write the calibration file", a.write);
  }
  if (a.json) {
    fmt::print("{}\n", nlohmann::ordered_json{{"gpu", spec.name},
                                              {"calibration", fit ? "refit" : cal.source_file},
                                              {"data", a.data},
                                              {"errors", errors_json(rep)}}
                           .dump(2));
    return 0;
  }
  fmt::print("GPU operator model of {} ({}) against {} measured points in {}\n", spec.name,
             fit ? "refit now" : "calibration " + cal.source_file, pts.size(), a.data);
  fmt::print("error = |predicted / measured - 1|; the data's times are medians rounded to 1 us\n\n");
  print_errors(rep);
  if (!a.write.empty()) fmt::print("\nwrote {}\n", a.write);
  return 0;
}

Run setup(CLI::App& app) {
  auto a = std::make_shared<Args>();
  app.add_option("--gpu", a->gpu, "GPU (hw/gpu/<name>.toml) whose calibration is checked or refit")->capture_default_str();
  app.add_option("--data", a->data, "folder of Vidur profiles (*.mlp.csv, *.all_reduce.csv)")->capture_default_str();
  app.add_flag("--fit", a->fit, "refit the calibration's named parameters on the data");
  app.add_option("--write", a->write, "write the refit calibration to this file (implies --fit)");
  app.add_flag("--json", a->json, "machine-readable errors");
  return [a] { return run(*a); };
}

Registrar reg{"gpu-calibrate", "GPU operator model vs measured H100 operator times (fit error, refit)", setup};

}  // namespace
}  // namespace npulab::cli
