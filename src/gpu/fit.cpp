#include "gpu/fit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "common/error.h"
#include "gpu/nelder_mead.h"

namespace npulab::gpu {
namespace {

// A fitted parameter and the transform that keeps it in its domain during the search.
struct Param {
  double* value;
  bool fraction;  // in (0, 1): logit; else positive: log
  double to_search() const { return fraction ? std::log(*value / (1 - *value)) : std::log(*value); }
  void from_search(double y) const { *value = fraction ? 1 / (1 + std::exp(-y)) : std::exp(y); }
};

std::vector<Param> params_of(arch::GpuCalibration& c, FitGroup g) {
  switch (g) {
    case FitGroup::Gemm:
      return {{&c.gemm.compute_efficiency, true}, {&c.gemm.memory_efficiency, true},
              {&c.gemm.launch_us, false}};
    case FitGroup::Memory:
      return {{&c.memory.launch_us, false},       {&c.memory.block_gbps, false},
              {&c.memory.norm_efficiency, true},  {&c.memory.add_efficiency, true},
              {&c.memory.rope_efficiency, true},  {&c.memory.act_efficiency, true},
              {&c.memory.embedding_efficiency, true}};
    case FitGroup::AllReduce:
      return {{&c.allreduce.latency_us, false}, {&c.allreduce.latency_per_gpu_us, false},
              {&c.allreduce.bus_efficiency, true}};
  }
  return {};
}

// A value in the open interval the transforms need (a start of exactly 0 or 1 is moved in).
void clamp_start(const Param& p) {
  *p.value = p.fraction ? std::clamp(*p.value, 1e-3, 1 - 1e-3) : std::max(*p.value, 1e-3);
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * double(v.size() - 1);
  const size_t i = size_t(pos);
  const double f = pos - double(i);
  return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

ErrorRow summarize(std::string source, std::string op, FitGroup g, const std::vector<double>& errs) {
  ErrorRow r{std::move(source), std::move(op), g, int64_t(errs.size())};
  r.median_pct = percentile(errs, 0.5);
  r.p90_pct = percentile(errs, 0.9);
  r.max_pct = errs.empty() ? 0 : *std::max_element(errs.begin(), errs.end());
  return r;
}

}  // namespace

double predicted_ns(const GpuModel& g, const CalPoint& p) { return op_ns(g, p.op, DType::F16, DType::F16); }

const ErrorRow& ErrorReport::group(FitGroup g) const {
  for (const ErrorRow& r : groups)
    if (r.group == g) return r;
  fail("no calibration points of group {}", fit_group_name(g));
}

ErrorReport fit_errors(const GpuModel& g, const std::vector<CalPoint>& pts) {
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, std::pair<FitGroup, std::vector<double>>> by_op;
  std::map<FitGroup, std::vector<double>> by_group;
  std::map<std::pair<std::string, FitGroup>, std::vector<double>> by_model;
  for (const CalPoint& p : pts) {
    if (p.measured_ns <= 0) continue;
    const double e = std::abs(predicted_ns(g, p) / p.measured_ns - 1) * 100;
    const auto key = std::make_pair(p.source, p.op.name);
    if (!by_op.count(key)) order.push_back(key);
    auto& slot = by_op[key];
    slot.first = fit_group(p.op.kind);
    slot.second.push_back(e);
    by_group[slot.first].push_back(e);
    by_model[{p.source, slot.first}].push_back(e);
  }
  ErrorReport rep;
  for (const auto& key : order) rep.rows.push_back(summarize(key.first, key.second, by_op[key].first, by_op[key].second));
  for (const auto& [key, errs] : by_model) rep.models.push_back(summarize(key.first, "", key.second, errs));
  for (const auto& [grp, errs] : by_group) rep.groups.push_back(summarize("all", "", grp, errs));
  return rep;
}

arch::GpuCalibration fit_calibration(const arch::GpuSpec& gpu, const arch::GpuCalibration& start,
                                     const std::vector<CalPoint>& pts) {
  GpuModel m{gpu, start};
  for (FitGroup grp : {FitGroup::Gemm, FitGroup::Memory, FitGroup::AllReduce}) {
    std::vector<const CalPoint*> mine;
    for (const CalPoint& p : pts)
      if (fit_group(p.op.kind) == grp && p.measured_ns > 0) mine.push_back(&p);
    if (mine.empty()) continue;
    const std::vector<Param> ps = params_of(m.cal, grp);
    std::vector<double> x0;
    for (const Param& p : ps) clamp_start(p), x0.push_back(p.to_search());
    auto set = [&](const std::vector<double>& y) {
      for (size_t i = 0; i < ps.size(); ++i) ps[i].from_search(y[i]);
    };
    auto loss = [&](const std::vector<double>& y) {
      set(y);
      double sum = 0;
      for (const CalPoint* p : mine) {
        const double r = std::log(predicted_ns(m, *p) / p->measured_ns);
        sum += r * r;
      }
      return sum;
    };
    set(nelder_mead(loss, x0, 0.5, 3000));
    // Paged decode attention streams the KV cache as a skinny GEMM streams its weights:
    // with no attention measurements it is assumed to reach the same HBM share.
    if (grp == FitGroup::Gemm) m.cal.attention.decode_efficiency = m.cal.gemm.memory_efficiency;
  }
  const ErrorReport rep = fit_errors(m, pts);
  for (const ErrorRow& r : rep.groups) {
    auto& e = m.cal.fit_error;
    // Rounded up to 0.1 %: what the file states is a bound its own points keep.
    const double med = std::ceil(r.median_pct * 10) / 10, p90 = std::ceil(r.p90_pct * 10) / 10;
    if (r.group == FitGroup::Gemm) e.gemm_median_pct = med, e.gemm_p90_pct = p90;
    if (r.group == FitGroup::Memory) e.memory_median_pct = med, e.memory_p90_pct = p90;
    if (r.group == FitGroup::AllReduce) e.allreduce_median_pct = med, e.allreduce_p90_pct = p90;
  }
  return m.cal;
}

}  // namespace npulab::gpu
