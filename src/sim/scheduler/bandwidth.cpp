// Fluid DMA bandwidth model (see bandwidth.h).
#include "sim/scheduler/bandwidth.h"

#include <algorithm>

namespace npulab::sim {

DmaFluid::DmaFluid(uint32_t num_engines, double hbm_bytes_per_ns)
    : per_engine_(num_engines, 0), hbm_bw_(hbm_bytes_per_ns), engine_hbm_(num_engines, 0.0),
      engine_demand_(num_engines, 0.0) {}

void DmaFluid::advance(double now) {
  const double dt = now - last_ns_;
  if (dt > 0)
    for (Xfer& x : xfers_) x.remaining = std::max(0.0, x.remaining - x.rate * dt);
  last_ns_ = std::max(last_ns_, now);
}

void DmaFluid::start(uint32_t id, uint32_t engine, double now, double engine_ns, double hbm_bytes) {
  advance(now);
  xfers_.push_back({id, engine, engine_ns, engine_ns > 0 ? hbm_bytes / engine_ns : 0.0, 0.0});
  ++per_engine_[engine];
  engine_hbm_[engine] += xfers_.back().hbm_per_ns;
  update(engine, now);
}

void DmaFluid::finish(uint32_t id, double now) {
  advance(now);
  uint32_t engine = UINT32_MAX;
  for (size_t i = 0; i < xfers_.size(); ++i)
    if (xfers_[i].id == id) {
      engine = xfers_[i].engine;
      --per_engine_[engine];
      // Running sum (rounding drift is far below update()'s margin); exact 0 when idle.
      engine_hbm_[engine] = per_engine_[engine] ? engine_hbm_[engine] - xfers_[i].hbm_per_ns : 0.0;
      xfers_[i] = xfers_.back();
      xfers_.pop_back();
      break;
    }
  if (engine == UINT32_MAX) return rebalance(now);
  update(engine, now);
}

void DmaFluid::update(uint32_t engine, double now) {
  // Approximate total HBM demand at plain engine shares: sum over engines of (running
  // sum of their transfers' hbm_per_ns) / count. rebalance() sums per transfer in another
  // order, so the two differ by rounding (~1e-16 relative per operation, also for the
  // running sums' drift); the 1e-6 margin below is far larger, so "clearly below the
  // bandwidth" here implies rebalance() finds HBM unsaturated too, and then its result
  // is exactly what this fast path computes.
  const uint32_t n = per_engine_[engine];
  engine_demand_[engine] = n > 0 ? engine_hbm_[engine] / double(n) : 0.0;
  double total = 0;
  for (double d : engine_demand_) total += d;
  if (!unsaturated_ || total >= hbm_bw_ * (1.0 - 1e-6)) {
    rebalance(now);
    return;
  }
  changed_.clear();
  const double r = n > 0 ? 1.0 / double(n) : 0.0;
  for (Xfer& x : xfers_)
    if (x.engine == engine && r != x.rate) {
      x.rate = r;
      changed_.push_back({x.id, x.remaining <= 0 ? now : now + x.remaining / r});
    }
}

void DmaFluid::rebalance(double now) {
  changed_.clear();
  // Engine share first; then, if the HBM demand at those rates exceeds the bandwidth,
  // water-fill HBM: every HBM transfer gets min(its demand, theta) bytes/ns.
  double total = 0;
  demand_.clear();
  for (uint32_t i = 0; i < xfers_.size(); ++i) {
    const Xfer& x = xfers_[i];
    const double d = x.hbm_per_ns / double(per_engine_[x.engine]);
    if (d > 0) {
      demand_.push_back({d, i});
      total += d;
    }
  }
  double theta = -1;  // < 0: HBM not saturated
  if (total > hbm_bw_) {
    std::sort(demand_.begin(), demand_.end());
    double left = hbm_bw_;
    size_t k = demand_.size();
    for (const auto& [d, i] : demand_) {
      if (d * double(k) > left) break;
      left -= d;
      --k;
    }
    theta = k ? left / double(k) : 0;
  }
  unsaturated_ = theta < 0;
  for (Xfer& x : xfers_) {
    double r = 1.0 / double(per_engine_[x.engine]);
    if (theta >= 0 && x.hbm_per_ns > 0) r = std::min(r, theta / x.hbm_per_ns);
    if (r != x.rate) {
      x.rate = r;
      changed_.push_back({x.id, x.remaining <= 0 ? now : now + x.remaining / r});
    }
  }
}

}  // namespace npulab::sim
