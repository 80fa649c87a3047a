// Throughput per device against interactivity across a sweep, as InferenceMAX draws it:
// each run of a system is a point (x = output tokens/s per user = 1000 / mean TPOT in ms,
// y = output tokens/s per chip or GPU), the points no other point of the same system beats
// on both axes are its Pareto front, and the front read at a fixed interactivity gives the
// throughput per device - and with the system's price per device-hour, the $ per 1M output
// tokens - a system offers at that speed per user.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "serve/report.h"
#include "serve/svg_chart.h"

namespace npulab::serve {

struct CurvePoint {
  double tok_s_per_user = 0;    // 1000 / mean TPOT (ms)
  double tok_s_per_device = 0;  // output tokens/s / devices
  bool pareto = false;
  std::string label;            // the run's sweep label
};

struct SystemCurve {
  std::string system;
  std::vector<CurvePoint> points;          // by interactivity, ascending
  std::optional<double> usd_per_device_hour;  // from the runs' price (none: no price)
};

// One curve per system, in the order the systems first appear; runs without decode tokens
// (no TPOT) are left out.
std::vector<SystemCurve> interactivity_curves(const std::vector<BenchRun>& runs);

struct AtInteractivity {
  bool reached = false;      // some run of the sweep is at least this interactive
  bool lower_bound = false;  // every run is more interactive: the least interactive one's throughput
  double tok_s_per_device = 0;
  std::optional<double> usd_per_1m_output_tokens;
};
// The Pareto front at `tok_s_per_user`, linear between its two neighbouring points.
AtInteractivity at_interactivity(const SystemCurve& c, double tok_s_per_user);

// The chart: every system's points and its Pareto front.
Chart interactivity_chart(const std::vector<SystemCurve>& curves);

}  // namespace npulab::serve
