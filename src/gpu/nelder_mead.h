// A deterministic Nelder-Mead minimiser (Nelder & Mead 1965, with the standard reflection,
// expansion, contraction and shrink coefficients 1, 2, 0.5, 0.5), restarted from its best
// point until a restart no longer improves: enough for the calibration's 3-7 parameters.
#pragma once
#include <functional>
#include <vector>

namespace npulab::gpu {

std::vector<double> nelder_mead(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x0,
                                double step, int max_evals);

}  // namespace npulab::gpu
