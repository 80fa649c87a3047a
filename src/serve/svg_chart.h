// A small SVG line chart (axes with round-number ticks, one polyline per series, a legend),
// enough for the benchmark's plots; no plotting library in Debian's C++ set does less.
#pragma once
#include <string>
#include <vector>

namespace npulab::serve {

struct ChartSeries {
  std::string name;
  std::vector<double> x, y;
  bool markers = false;  // draw a dot at each point (sweeps: few points)
};

struct Chart {
  std::string title, xlabel, ylabel;
  std::vector<ChartSeries> series;
  bool steps = false;  // draw as a step function (time series of per-step values)
};

std::string render_svg(const Chart& c);
void write_svg(const std::string& path, const Chart& c);

}  // namespace npulab::serve
