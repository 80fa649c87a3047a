// Fluid DMA bandwidth model (see bandwidth.h).
#include "sim/scheduler/bandwidth.h"

#include <algorithm>
#include <limits>

namespace npulab::sim {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

DmaFluid::DmaFluid(uint32_t num_engines, uint32_t max_ids, double hbm_bytes_per_ps)
    : xfers_(max_ids), engines_(num_engines), is_dirty_(num_engines, 0), hbm_bw_(hbm_bytes_per_ps) {
  for (Engine& e : engines_) e.next_fin = kInf;
}

void DmaFluid::clear_dirty() {
  for (uint32_t e : dirty_) is_dirty_[e] = 0;
  dirty_.clear();
}

void DmaFluid::mark_dirty(uint32_t engine) {
  if (!is_dirty_[engine]) {
    is_dirty_[engine] = 1;
    dirty_.push_back(engine);
  }
}

void DmaFluid::set_rate(Xfer& x, double r, double now) {
  // Work done since t0 at the old rate. A remainder within rounding of 0 (relative to the
  // work it came from) is 0, so a transfer due "now" finishes now and not 1 ps later.
  const double done = x.rate * (now - x.t0);
  x.rem = x.rem - done <= 1e-12 * x.rem ? 0.0 : x.rem - done;
  x.t0 = now;
  x.rate = r;
  x.fin = x.rem <= 0 ? now : now + x.rem / r;
}

// Earliest finish first; ties: the transfer started first.
bool DmaFluid::finishes_before(const Xfer& a, const Xfer& b) {
  return a.fin < b.fin || (a.fin == b.fin && a.order < b.order);
}

void DmaFluid::refresh_next(uint32_t engine) {
  Engine& e = engines_[engine];
  uint32_t best = kNone;
  for (uint32_t id : e.ids) {
    const Xfer& x = xfers_[id];
    if (best == kNone || finishes_before(x, xfers_[best])) best = id;
  }
  e.next = best;
  e.next_fin = best == kNone ? kInf : xfers_[best].fin;
  mark_dirty(engine);
}

void DmaFluid::start(uint32_t id, uint32_t engine, double now, double work_ps, double hbm_bytes) {
  Engine& e = engines_[engine];
  Xfer& x = xfers_[id];
  x = Xfer{};
  x.rem = work_ps;
  x.t0 = now;
  x.hbm_per_work = work_ps > 0 ? hbm_bytes / work_ps : 0.0;
  x.order = started_++;
  x.engine = engine;
  x.slot = uint32_t(e.ids.size());
  x.fin = now;  // rate 0 until update() sets it
  e.ids.push_back(id);
  e.hbm_sum += x.hbm_per_work;
  ++active_;
  update(engine, now);
}

uint32_t DmaFluid::finish_next(uint32_t engine, double now) {
  Engine& e = engines_[engine];
  const uint32_t id = e.next;
  const Xfer& x = xfers_[id];
  // Swap-remove from the engine's list (the list's order never matters: ties are broken by
  // start order, water-filling sorts).
  const uint32_t last = e.ids.back();
  e.ids[x.slot] = last;
  xfers_[last].slot = x.slot;
  e.ids.pop_back();
  // Running sum (its rounding drift only moves the saturation test by ~1e-16 relative);
  // exactly 0 when the engine is idle, so drift never outlives a busy period.
  e.hbm_sum = e.ids.empty() ? 0.0 : e.hbm_sum - x.hbm_per_work;
  --active_;
  update(engine, now);
  return id;
}

void DmaFluid::update(uint32_t engine, double now) {
  Engine& e = engines_[engine];
  const uint32_t n = uint32_t(e.ids.size());
  const double demand = n ? e.hbm_sum / double(n) : 0.0;
  // Running sum: its rounding drift (~1e-16 relative per update, reset whenever the chip's
  // DMA goes idle) only moves the saturation threshold by as much; deterministic anyway.
  total_demand_ = active_ ? total_demand_ + (demand - e.demand) : 0.0;
  e.demand = demand;
  if (saturated_ || total_demand_ > hbm_bw_) {
    rebalance(now);
    refresh_next(engine);  // its set changed even if no rate did
    return;
  }
  // HBM below saturation: every rate is the plain engine share, so only this engine's
  // transfers change.
  // (refresh_next fused into the same pass.)
  const double r = n ? 1.0 / double(n) : 0.0;
  uint32_t best = kNone;
  const Xfer* bx = nullptr;
  for (uint32_t id : e.ids) {
    Xfer& x = xfers_[id];
    if (x.rate != r) set_rate(x, r, now);
    if (!bx || finishes_before(x, *bx)) {
      best = id;
      bx = &x;
    }
  }
  e.next = best;
  e.next_fin = bx ? bx->fin : kInf;
  mark_dirty(engine);
}

void DmaFluid::rebalance(double now) {
  // Engine share first; then, if the HBM demand at those rates exceeds the bandwidth,
  // water-fill HBM: every HBM transfer gets min(its demand, theta) bytes per ps.
  double total = 0;
  demand_.clear();
  for (const Engine& e : engines_)
    for (uint32_t id : e.ids) {
      const double d = xfers_[id].hbm_per_work / double(e.ids.size());
      if (d > 0) {
        demand_.push_back({d, id});
        total += d;
      }
    }
  double theta = -1;  // < 0: HBM not saturated
  if (total > hbm_bw_) {
    std::sort(demand_.begin(), demand_.end());
    double left = hbm_bw_;
    size_t k = demand_.size();
    for (const auto& [d, id] : demand_) {
      if (d * double(k) > left) break;
      left -= d;
      --k;
    }
    theta = k ? left / double(k) : 0;
  }
  saturated_ = theta >= 0;
  for (uint32_t ei = 0; ei < engines_.size(); ++ei) {
    Engine& e = engines_[ei];
    if (e.ids.empty()) {
      if (e.next != kNone) refresh_next(ei);
      continue;
    }
    bool changed = false;
    const double share = 1.0 / double(e.ids.size());
    for (uint32_t id : e.ids) {
      Xfer& x = xfers_[id];
      double r = share;
      if (theta >= 0 && x.hbm_per_work > 0) r = std::min(r, theta / x.hbm_per_work);
      if (r != x.rate) {
        set_rate(x, r, now);
        changed = true;
      }
    }
    if (changed) refresh_next(ei);
  }
}

}  // namespace npulab::sim
