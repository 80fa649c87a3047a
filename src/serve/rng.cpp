#include "serve/rng.h"

#include <cmath>

#include "common/error.h"

namespace npulab::serve {

double Rng::uniform() { return double(g_() >> 11) * 0x1.0p-53; }

int64_t Rng::uniform_int(int64_t lo, int64_t hi) {
  if (hi < lo) fail("internal: uniform_int({}, {})", lo, hi);
  const uint64_t span = uint64_t(hi - lo) + 1;
  // Rejection sampling: no modulo bias.
  const uint64_t limit = span == 0 ? 0 : UINT64_MAX - UINT64_MAX % span;
  uint64_t x;
  do x = g_();
  while (span != 0 && x >= limit);
  return lo + int64_t(span == 0 ? x : x % span);
}

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1;
  do u1 = uniform();
  while (u1 <= 0);
  const double u2 = uniform(), r = std::sqrt(-2.0 * std::log(u1)), a = 2.0 * M_PI * u2;
  spare_ = r * std::sin(a);
  has_spare_ = true;
  return r * std::cos(a);
}

double Rng::exponential() {
  double u;
  do u = uniform();
  while (u <= 0);
  return -std::log(u);
}

double Rng::gamma(double shape) {
  if (!(shape > 0)) fail("gamma shape {}: expected > 0", shape);
  if (shape < 1) {  // boost: gamma(a) = gamma(a + 1) * U^(1/a)
    double u;
    do u = uniform();
    while (u <= 0);
    return gamma(shape + 1) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  while (true) {
    double x, v;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = uniform();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0 && std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
  }
}

}  // namespace npulab::serve
