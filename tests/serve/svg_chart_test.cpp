// The benchmark's SVG charts: ticks at round numbers, and spans that cannot be ticked (equal
// values up to rounding, one point, non-finite values) drawn without looping.
#include <gtest/gtest.h>

#include <cmath>

#include "serve/svg_chart.h"

namespace npulab::serve {
namespace {

int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(SvgChart, TicksAtRoundNumbers) {
  Chart c{"t", "x", "y", {{"a", {0, 10}, {0, 50}, true}}, false};
  const std::string svg = render_svg(c);
  EXPECT_NE(svg.find(">10<"), std::string::npos);
  EXPECT_NE(svg.find(">50<"), std::string::npos);
  EXPECT_EQ(count(svg, "<circle"), 2);
}

TEST(SvgChart, DegenerateSpansDoNotLoop) {
  // Two sweep points whose throughputs differ by rounding only (a functional sweep whose
  // step times do not depend on the batch), one point, and a NaN.
  for (const ChartSeries& s : {ChartSeries{"a", {5075.6, 5075.6 + 1e-12}, {0.2, 0.78}, true},
                               ChartSeries{"b", {3.0}, {3.0}, true},
                               ChartSeries{"c", {1, NAN, 2}, {1, 1, INFINITY}, false}}) {
    const std::string svg = render_svg(Chart{"t", "x", "y", {s}, false});
    EXPECT_EQ(svg.rfind("</svg>"), svg.size() - 7) << s.name;
    EXPECT_LT(count(svg, "<line"), 250) << s.name;
  }
}

}  // namespace
}  // namespace npulab::serve
