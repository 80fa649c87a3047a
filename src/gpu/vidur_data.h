// Measured H100 operator times from Microsoft's Vidur profiles (data/calibration/vidur-h100:
// <model>.mlp.csv per model, h100_dgx.all_reduce.csv; MIT licence, LICENSE.vidur there), as
// calibration points: each measured kernel paired with the Op of gpu/layer_shape.h that
// the step model would run for it. Vidur timed FP16 models with CUDA events, 1 µs
// resolution; we use each row's median.
#pragma once
#include <string>
#include <vector>

#include "gpu/layer_shape.h"

namespace npulab::gpu {

struct CalPoint {
  std::string source;  // file stem: "Llama-2-7b-hf", "h100_dgx.all_reduce"
  Op op;               // op.name is Vidur's operator name
  int64_t tokens = 0, tp = 1;
  double measured_ns = 0;
};

// Every point of every *.mlp.csv and *.all_reduce.csv in `dir` (files in name order).
// Errors name the file, line and column.
std::vector<CalPoint> load_vidur_points(const std::string& dir);
// One file (the kind told by its name).
std::vector<CalPoint> load_vidur_file(const std::string& path);

// The operator group each point calibrates (the fit's three independent parts).
enum class FitGroup { Gemm, Memory, AllReduce };
FitGroup fit_group(OpKind k);
const char* fit_group_name(FitGroup g);

}  // namespace npulab::gpu
