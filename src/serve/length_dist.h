// Distributions of input and output lengths for synthetic workloads, given on the command
// line as "N" or "fixed:N", "uniform:LO:HI", "normal:MEAN:STD" or "lognormal:MEDIAN:SIGMA"
// (sigma of the log). Draws are rounded and clamped to [1, max]; the normal is truncated.
#pragma once
#include <cstdint>
#include <string>

#include "serve/rng.h"

namespace npulab::serve {

struct LengthDist {
  enum class Kind : uint8_t { Fixed, Uniform, Normal, LogNormal };
  Kind kind = Kind::Fixed;
  double a = 1, b = 0;  // fixed N | uniform lo, hi | normal mean, std | lognormal median, sigma

  static LengthDist fixed(int64_t n) { return {Kind::Fixed, double(n), 0}; }
  static LengthDist uniform(int64_t lo, int64_t hi) { return {Kind::Uniform, double(lo), double(hi)}; }
  // `option` names the command-line option in errors.
  static LengthDist parse(const std::string& spec, const std::string& option);
  int64_t sample(Rng& rng) const;
  int64_t max() const;  // the largest value a draw can take (normal/lognormal: a 6-sigma cap)
  std::string describe() const;
};

}  // namespace npulab::serve
