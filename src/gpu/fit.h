// The calibration fit (docs/GPU.md, "Calibration"): each of the three operator groups
// (GEMMs, memory-bound kernels, all-reduce) has its named parameters fitted on its
// measured points by a deterministic Nelder-Mead search minimising the sum of squared log
// ratios log(predicted / measured) (relative error, symmetric in over- and under-
// prediction), efficiencies kept in (0, 1) and times positive by their transforms. One
// set of parameters for all models and shapes: no per-point or per-model corrections.
#pragma once
#include <string>
#include <vector>

#include "gpu/op_model.h"
#include "gpu/vidur_data.h"

namespace npulab::gpu {

// The model's time for a calibration point (FP16 weights and activations, as measured).
double predicted_ns(const GpuModel& g, const CalPoint& p);

// |predicted / measured - 1| in percent, per (source, operator) and per group.
struct ErrorRow {
  std::string source, op;  // op "" = every operator of the group
  FitGroup group = FitGroup::Gemm;
  int64_t points = 0;
  double median_pct = 0, p90_pct = 0, max_pct = 0;
};
struct ErrorReport {
  std::vector<ErrorRow> rows;    // per source and operator, in first-seen order
  std::vector<ErrorRow> models;  // per source and group (op "")
  std::vector<ErrorRow> groups;  // per group over every source (source "all")
  const ErrorRow& group(FitGroup g) const;
};
ErrorReport fit_errors(const GpuModel& g, const std::vector<CalPoint>& pts);

// `start` with the fitted parameters of every group that has points replaced (the other
// parameters, the attention and host ones, kept) and fit_error set from the result.
arch::GpuCalibration fit_calibration(const arch::GpuSpec& gpu, const arch::GpuCalibration& start,
                                     const std::vector<CalPoint>& pts);

// The calibration as a hw/gpu/calibration/*.toml file, each parameter with what it means
// and where it comes from (fitted, or the assumption and its source).
std::string calibration_toml(const arch::GpuCalibration& c, const std::string& gpu_name,
                             const std::vector<CalPoint>& pts);

}  // namespace npulab::gpu
