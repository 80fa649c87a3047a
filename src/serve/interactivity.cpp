#include "serve/interactivity.h"

#include <algorithm>

namespace npulab::serve {

std::vector<SystemCurve> interactivity_curves(const std::vector<BenchRun>& runs) {
  std::vector<SystemCurve> curves;
  for (const BenchRun& r : runs) {
    auto it = std::find_if(curves.begin(), curves.end(), [&](const SystemCurve& c) { return c.system == r.info.system; });
    if (it == curves.end()) it = curves.insert(curves.end(), SystemCurve{r.info.system, {}, {}});
    if (r.summary.tpot.n == 0 || r.summary.tpot.mean <= 0) continue;
    const double devices = double(std::max<int64_t>(1, r.info.devices));
    it->points.push_back({1000.0 / r.summary.tpot.mean, r.summary.output_tok_s / devices, false, r.info.label});
    if (r.cost.report && r.summary.duration_s > 0)
      it->usd_per_device_hour = r.cost.report->usd / r.summary.duration_s * 3600.0 / devices;
  }
  for (SystemCurve& c : curves) {
    std::sort(c.points.begin(), c.points.end(),
              [](const CurvePoint& a, const CurvePoint& b) { return a.tok_s_per_user < b.tok_s_per_user; });
    // Walking from the most interactive point down, a point is on the front when it beats
    // every more interactive point's throughput.
    double best = -1;
    for (auto p = c.points.rbegin(); p != c.points.rend(); ++p)
      if (p->tok_s_per_device > best) {
        p->pareto = true;
        best = p->tok_s_per_device;
      }
  }
  return curves;
}

AtInteractivity at_interactivity(const SystemCurve& c, double x) {
  std::vector<const CurvePoint*> front;
  for (const CurvePoint& p : c.points)
    if (p.pareto) front.push_back(&p);
  AtInteractivity a;
  if (front.empty() || front.back()->tok_s_per_user < x) return a;
  a.reached = true;
  if (front.front()->tok_s_per_user >= x) {
    a.lower_bound = front.front()->tok_s_per_user > x;
    a.tok_s_per_device = front.front()->tok_s_per_device;
  } else {
    for (size_t i = 1; i < front.size(); ++i) {
      const CurvePoint &lo = *front[i - 1], &hi = *front[i];
      if (hi.tok_s_per_user < x) continue;
      const double t = (x - lo.tok_s_per_user) / (hi.tok_s_per_user - lo.tok_s_per_user);
      a.tok_s_per_device = lo.tok_s_per_device + t * (hi.tok_s_per_device - lo.tok_s_per_device);
      break;
    }
  }
  if (c.usd_per_device_hour && a.tok_s_per_device > 0)
    a.usd_per_1m_output_tokens = 1e6 / a.tok_s_per_device * *c.usd_per_device_hour / 3600.0;
  return a;
}

Chart interactivity_chart(const std::vector<SystemCurve>& curves) {
  Chart ch{"Throughput per device vs interactivity", "interactivity: output tokens/s per user (1000 / mean TPOT)",
           "output tokens/s per chip or GPU", {}, false};
  for (const SystemCurve& c : curves) {
    ChartSeries all{c.system, {}, {}, true}, front{c.system + " Pareto front", {}, {}, false};
    for (const CurvePoint& p : c.points) {
      all.x.push_back(p.tok_s_per_user);
      all.y.push_back(p.tok_s_per_device);
      if (p.pareto) {
        front.x.push_back(p.tok_s_per_user);
        front.y.push_back(p.tok_s_per_device);
      }
    }
    ch.series.push_back(std::move(all));
    ch.series.push_back(std::move(front));
  }
  return ch;
}

}  // namespace npulab::serve
