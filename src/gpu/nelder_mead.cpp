#include "gpu/nelder_mead.h"

#include <algorithm>
#include <cmath>

namespace npulab::gpu {
namespace {

struct Vertex {
  std::vector<double> x;
  double f = 0;
};

// One run from x0; returns the best vertex. `evals` counts evaluations across runs.
Vertex run(const std::function<double(const std::vector<double>&)>& f, const std::vector<double>& x0, double step,
           int max_evals, int& evals) {
  const size_t n = x0.size();
  auto eval = [&](std::vector<double> x) {
    ++evals;
    const double v = f(x);
    return Vertex{std::move(x), v};
  };
  std::vector<Vertex> s;
  s.push_back(eval(x0));
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> x = x0;
    x[i] += step;
    s.push_back(eval(x));
  }
  auto along = [&](const std::vector<double>& c, const std::vector<double>& w, double t) {
    std::vector<double> x(n);
    for (size_t i = 0; i < n; ++i) x[i] = c[i] + t * (w[i] - c[i]);
    return x;
  };
  while (evals < max_evals) {
    std::stable_sort(s.begin(), s.end(), [](const Vertex& a, const Vertex& b) { return a.f < b.f; });
    if (s.back().f - s.front().f <= 1e-12 * (1 + std::abs(s.front().f))) break;
    std::vector<double> c(n, 0.0);
    for (size_t v = 0; v < n; ++v)
      for (size_t i = 0; i < n; ++i) c[i] += s[v].x[i] / double(n);
    const Vertex r = eval(along(c, s.back().x, -1));
    if (r.f < s.front().f) {
      const Vertex e = eval(along(c, s.back().x, -2));
      s.back() = e.f < r.f ? e : r;
    } else if (r.f < s[n - 1].f) {
      s.back() = r;
    } else {
      const bool outside = r.f < s.back().f;
      const Vertex k = eval(along(c, outside ? r.x : s.back().x, 0.5));
      if (k.f < std::min(r.f, s.back().f)) {
        s.back() = k;
      } else {
        for (size_t v = 1; v <= n; ++v) s[v] = eval(along(s[0].x, s[v].x, 0.5));
      }
    }
  }
  return *std::min_element(s.begin(), s.end(), [](const Vertex& a, const Vertex& b) { return a.f < b.f; });
}

}  // namespace

std::vector<double> nelder_mead(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x0,
                                double step, int max_evals) {
  int evals = 0;
  Vertex best = run(f, x0, step, max_evals, evals);
  while (evals < max_evals) {
    Vertex again = run(f, best.x, step / 4, max_evals, evals);
    if (!(again.f < best.f - 1e-9 * (1 + std::abs(best.f)))) break;
    best = std::move(again);
  }
  return best.x;
}

}  // namespace npulab::gpu
