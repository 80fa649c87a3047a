#include "serve/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <vector>

#include "common/error.h"

namespace npulab::serve {

namespace {

constexpr double kW = 720, kH = 440, kLeft = 80, kRight = 200, kTop = 40, kBottom = 60;
const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

// Tick step: 1, 2 or 5 times a power of ten, about 6 ticks over the span.
double tick_step(double span) {
  if (!(span > 0)) return 1;
  const double raw = span / 6, p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

// The ticks lo, lo + step, ... up to hi, by index (never by accumulation: a span far below
// the values' magnitude, or a non-finite one, must not loop), at most 100.
std::vector<double> ticks(double lo, double hi, double step) {
  std::vector<double> t;
  const double n = std::floor((hi - lo) / step + 1e-9);
  if (!std::isfinite(n) || n < 0) return t;
  for (int i = 0; i <= int(std::min(n, 100.0)); ++i) t.push_back(lo + step * double(i));
  return t;
}

std::string tick_label(double v, double step) {
  if (std::fabs(v) < step * 1e-9) return "0";
  const int digits = std::max(0, int(-std::floor(std::log10(step))));
  return fmt::format("{:.{}f}", v, digits);
}

}  // namespace

std::string render_svg(const Chart& c) {
  double x0 = INFINITY, x1 = -INFINITY, y0 = 0, y1 = -INFINITY;
  for (const ChartSeries& s : c.series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y1 = std::max(y1, s.y[i]);
      y0 = std::min(y0, s.y[i]);
    }
  if (!std::isfinite(x0)) x0 = 0, x1 = 1, y1 = 1;
  // A span too small to tick (one point, or equal values): widen it around the value.
  if (!(x1 - x0 > 1e-6 * std::fabs(x0))) {
    const double h = std::max(0.5, 0.05 * std::fabs(x0));
    x0 -= h;
    x1 += h;
  }
  if (!(y1 - y0 > 1e-6 * std::fabs(y0))) y1 = y0 + std::max(1.0, 0.1 * std::fabs(y0));
  const double xs = tick_step(x1 - x0), ys = tick_step(y1 - y0);
  x0 = std::floor(x0 / xs) * xs;
  x1 = std::ceil(x1 / xs) * xs;
  y1 = std::ceil(y1 / ys) * ys;
  const double pw = kW - kLeft - kRight, ph = kH - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return kTop + ph - (y - y0) / (y1 - y0) * ph; };
  std::string o = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" "
      "font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      kW, kH);
  o += fmt::format("<text x=\"{}\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">{}</text>\n", kLeft + pw / 2,
                   esc(c.title));
  for (double x : ticks(x0, x1, xs))
    o += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#ddd\"/>"
                     "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>\n",
                     px(x), kTop, kTop + ph, kTop + ph + 16, tick_label(x, xs));
  for (double y : ticks(y0, y1, ys))
    o += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#ddd\"/>"
                     "<text x=\"{3:.1f}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
                     kLeft, py(y), kLeft + pw, kLeft - 6, py(y) + 4, tick_label(y, ys));
  o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"black\"/>\n", kLeft,
                   kTop, pw, ph);
  o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", kLeft + pw / 2, kH - 18,
                   esc(c.xlabel));
  o += fmt::format("<text transform=\"translate(20 {}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
                   kTop + ph / 2, esc(c.ylabel));
  for (size_t k = 0; k < c.series.size(); ++k) {
    const ChartSeries& s = c.series[k];
    const char* col = kColors[k % (sizeof kColors / sizeof kColors[0])];
    std::string pts;
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (c.steps && i > 0) pts += fmt::format("{:.1f},{:.1f} ", px(s.x[i]), py(s.y[i - 1]));
      pts += fmt::format("{:.1f},{:.1f} ", px(s.x[i]), py(s.y[i]));
    }
    o += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/>\n", col, pts);
    if (s.markers)
      for (size_t i = 0; i < s.x.size(); ++i)
        o += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n", px(s.x[i]), py(s.y[i]), col);
    const double ly = kTop + 14 + 18 * double(k);
    o += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\"/>"
                     "<text x=\"{4}\" y=\"{5}\">{6}</text>\n",
                     kW - kRight + 12, ly, kW - kRight + 32, col, kW - kRight + 38, ly + 4, esc(s.name));
  }
  o += "</svg>\n";
  return o;
}

void write_svg(const std::string& path, const Chart& c) {
  std::ofstream out(path);
  if (!out) fail("cannot write plot '{}'", path);
  out << render_svg(c);
  if (!out) fail("cannot write plot '{}'", path);
}

}  // namespace npulab::serve
