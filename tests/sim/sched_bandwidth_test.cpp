// The lazily advanced DMA fluid model (sim/scheduler/bandwidth.h) against a plain eager
// reference written here: at every event, advance every transfer's remaining work, then
// recompute every rate from scratch (engine share, HBM water-filling). Random programs of
// starts, both below and above HBM saturation; checks
//  - the same transfer finishes next, at the same time (to ~1e-9 relative: the lazy model
//    rounds differently, by design),
//  - no engine's rates sum above 1 and the chip's HBM throughput never exceeds the bandwidth,
//  - work conservation: every transfer gets exactly its work done by its finish time.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <vector>

#include "sim/scheduler/bandwidth.h"

namespace npulab::sim {
namespace {

// Eager reference: the textbook processor-sharing + max-min fair HBM model.
struct EagerFluid {
  struct X {
    uint32_t engine;
    double rem, h, rate = 0;
    uint64_t order;
  };
  std::map<uint32_t, X> xs;
  double bw, last = 0;
  uint64_t started = 0;
  explicit EagerFluid(double bw_) : bw(bw_) {}
  void advance(double now) {
    for (auto& [id, x] : xs) x.rem -= x.rate * (now - last);
    last = now;
  }
  void rerate() {
    std::map<uint32_t, int> n;
    for (auto& [id, x] : xs) ++n[x.engine];
    std::vector<double> d;
    for (auto& [id, x] : xs)
      if (x.h > 0) d.push_back(x.h / n[x.engine]);
    std::sort(d.begin(), d.end());
    double total = 0;
    for (double v : d) total += v;
    double theta = std::numeric_limits<double>::infinity();
    if (total > bw) {
      double left = bw;
      size_t k = d.size();
      for (double v : d) {
        if (v * double(k) > left) break;
        left -= v;
        --k;
      }
      theta = left / double(k);
    }
    for (auto& [id, x] : xs) {
      x.rate = 1.0 / n[x.engine];
      if (x.h > 0) x.rate = std::min(x.rate, theta / x.h);
    }
  }
  void start(uint32_t id, uint32_t e, double now, double work, double bytes) {
    advance(now);
    xs[id] = X{e, work, bytes / work, 0, started++};
    rerate();
  }
  // Earliest finishing transfer overall: (time, id).
  std::pair<double, uint32_t> next() const {
    std::pair<double, uint32_t> best{std::numeric_limits<double>::infinity(), 0};
    uint64_t best_order = 0;
    for (auto& [id, x] : xs) {
      const double f = last + std::max(0.0, x.rem) / x.rate;
      if (f < best.first * (1 - 1e-12) || (f <= best.first * (1 + 1e-12) && x.order < best_order)) {
        best = {f, id};
        best_order = x.order;
      }
    }
    return best;
  }
  void finish(uint32_t id, double now) {
    advance(now);
    xs.erase(id);
    rerate();
  }
};

void check_invariants(const DmaFluid& f, const std::vector<uint32_t>& active, uint32_t engines, double bw) {
  std::vector<double> per_engine(engines, 0.0);
  double hbm = 0;
  for (uint32_t id : active) {
    per_engine[f.engine_of(id)] += f.rate(id);
    hbm += f.rate(id) * f.hbm_per_work(id);
  }
  for (double r : per_engine) EXPECT_LE(r, 1.0 + 1e-12);
  EXPECT_LE(hbm, bw * (1 + 1e-9));
}

void run_random(uint32_t engines, uint32_t queues, double bw, uint32_t seed, int transfers) {
  std::mt19937 rng(seed);
  DmaFluid lazy(engines, queues, bw);
  EagerFluid ref(bw);
  std::vector<uint32_t> active;
  std::vector<double> due(queues, 0.0);  // lazy model's finish time per queue
  double now = 0;
  int started = 0, finished = 0;
  std::uniform_int_distribution<uint32_t> pick(0, queues - 1);
  std::uniform_real_distribution<double> work(2e3, 2e6), gap(0, 5e4), frac(0, 1);
  while (finished < transfers) {
    // The lazy model's next finish over all engines.
    double lazy_t = std::numeric_limits<double>::infinity();
    uint32_t lazy_e = 0;
    for (uint32_t e = 0; e < engines; ++e)
      if (lazy.next_id(e) != DmaFluid::kNone && lazy.next_finish_ps(e) < lazy_t) {
        lazy_t = lazy.next_finish_ps(e);
        lazy_e = e;
      }
    const double start_t = now + gap(rng);
    const uint32_t q = pick(rng);
    const bool can_start = started < transfers && std::find(active.begin(), active.end(), q) == active.end();
    if (can_start && start_t < lazy_t) {
      now = start_t;
      const double w = work(rng), bytes = w * frac(rng) * 0.5;  // up to 0.5 B per ps of work
      lazy.start(q, q % engines, now, w, bytes);
      ref.start(q, q % engines, now, w, bytes);
      active.push_back(q);
      ++started;
    } else if (!active.empty()) {
      const auto [ref_t, ref_id] = ref.next();
      ASSERT_NEAR(lazy_t, ref_t, 1e-9 * ref_t + 1e-6) << "seed " << seed << " after " << finished;
      const uint32_t id = lazy.finish_next(lazy_e, std::ceil(lazy_t));
      ASSERT_EQ(id, ref_id) << "seed " << seed << " after " << finished;
      ref.finish(ref_id, std::ceil(lazy_t));
      now = std::ceil(lazy_t);
      active.erase(std::find(active.begin(), active.end(), id));
      ++finished;
    } else {
      now = start_t;
      continue;
    }
    check_invariants(lazy, active, engines, bw);
    EXPECT_EQ(lazy.active(), active.size());
  }
}

TEST(SchedBandwidth, LazyModelMatchesEagerReferenceBelowHbmSaturation) {
  for (uint32_t seed = 1; seed <= 4; ++seed) run_random(16, 64, 1e9, seed, 400);
}

TEST(SchedBandwidth, LazyModelMatchesEagerReferenceWithHbmWaterFilling) {
  // 0.5 B/ps of HBM for up to 64 transfers on 16 engines demanding up to 0.5 B/ps each:
  // saturation comes and goes.
  for (uint32_t seed = 1; seed <= 4; ++seed) run_random(16, 64, 0.5, seed, 400);
}

TEST(SchedBandwidth, EqualTransfersOnOneEngineFinishTogetherInStartOrder) {
  DmaFluid f(2, 4, 1e9);
  f.start(2, 0, 0, 1000, 0);
  f.start(1, 0, 0, 1000, 0);
  f.start(3, 1, 0, 1000, 0);
  EXPECT_EQ(f.next_id(0), 2u);
  EXPECT_DOUBLE_EQ(f.next_finish_ps(0), 2000);
  EXPECT_DOUBLE_EQ(f.next_finish_ps(1), 1000);
  EXPECT_EQ(f.finish_next(0, 2000), 2u);
  EXPECT_EQ(f.next_id(0), 1u);
  EXPECT_DOUBLE_EQ(f.next_finish_ps(0), 2000);  // due now, not a rounding step later
  EXPECT_EQ(f.finish_next(0, 2000), 1u);
  EXPECT_EQ(f.next_id(0), DmaFluid::kNone);
}

}  // namespace
}  // namespace npulab::sim
