// Shared-bandwidth model of the chip's DMA traffic: a fluid (processor-sharing) model.
//
// Each active transfer needs `work` picoseconds of work on its DMA engine (descriptors +
// bytes / engine bandwidth) and moves `hbm_bytes` through HBM evenly over that work. At
// every moment each transfer progresses at a rate r <= 1 (ps of work per ps):
//   - a DMA engine splits its capacity equally among its active transfers (the queues it
//     serves round-robin, reference §1.6): r_i <= 1 / n_engine;
//   - HBM bandwidth is shared max-min fairly (water-filling) among the transfers that
//     touch HBM: sum_i r_i * hbm_bytes_i / work_i <= hbm bandwidth.
// Rates are recomputed whenever a transfer starts or finishes. By construction no engine
// ever exceeds its bandwidth and the chip's aggregate HBM throughput never exceeds the HBM
// bandwidth, and the model is work-conserving on HBM.
//
// Lazily advanced: a transfer stores its remaining work only as of its last rate change
// (`rem` at `t0`), so a start or finish touches just the transfers whose rate changes.
// While HBM is below saturation (total demand at plain engine shares <= bandwidth) every
// rate is 1 / n_engine and only the touched engine's transfers change (O(transfers of that
// engine)); otherwise the full water-filling runs over all active transfers. The scheduler
// keeps one completion event per engine (its earliest finish), not one per transfer.
// Times are in picoseconds as doubles (integers below 2^53 are exact), so the scheduler's
// integer event times convert without rounding.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace npulab::sim {

class DmaFluid {
 public:
  // Transfer ids are in [0, max_ids); engines in [0, num_engines).
  DmaFluid(uint32_t num_engines, uint32_t max_ids, double hbm_bytes_per_ps);
  // Transfer `id` (not active) starts at now_ps on `engine`.
  void start(uint32_t id, uint32_t engine, double now_ps, double work_ps, double hbm_bytes);
  // Ends the transfer next_id(engine) at now_ps (its finish time, rounded up by the
  // caller) and returns its id.
  uint32_t finish_next(uint32_t engine, double now_ps);
  // The earliest-finishing active transfer of `engine` (ties: the one started first) and
  // its projected finish time; kNone / +inf when the engine is idle.
  static constexpr uint32_t kNone = UINT32_MAX;
  uint32_t next_id(uint32_t engine) const { return engines_[engine].next; }
  double next_finish_ps(uint32_t engine) const { return engines_[engine].next_fin; }
  // Engines whose next_id / next_finish_ps may have changed since clear_dirty() (each once).
  const std::vector<uint32_t>& dirty() const { return dirty_; }
  void clear_dirty();
  size_t active() const { return active_; }
  // Current rate of an active transfer (ps of work per ps): for tests of the invariants.
  double rate(uint32_t id) const { return xfers_[id].rate; }
  double hbm_per_work(uint32_t id) const { return xfers_[id].hbm_per_work; }
  uint32_t engine_of(uint32_t id) const { return xfers_[id].engine; }

 private:
  struct Xfer {
    double rem = 0;           // ps of engine work left at t0
    double t0 = 0;            // time of the last rate change
    double rate = 0;          // ps of work per ps since t0
    double fin = 0;           // projected finish: t0 + rem / rate
    double hbm_per_work = 0;  // HBM bytes per ps of work
    uint64_t order = 0;       // start order: tie-break among equal finish times
    uint32_t engine = 0;
    uint32_t slot = 0;        // index in its engine's `ids`
  };
  struct Engine {
    std::vector<uint32_t> ids;  // active transfers
    double hbm_sum = 0;         // running sum of their hbm_per_work (exact 0 when idle)
    double demand = 0;          // hbm_sum / ids.size(): HBM bytes per ps at engine shares
    uint32_t next = kNone;
    double next_fin = 0;
  };
  // Re-rate transfer x to r at `now` (remaining work carried over).
  static void set_rate(Xfer& x, double r, double now);
  static bool finishes_before(const Xfer& a, const Xfer& b);
  void refresh_next(uint32_t engine);
  void mark_dirty(uint32_t engine);
  // After a start/finish on `engine`.
  void update(uint32_t engine, double now);
  // Full recomputation of every rate (engine shares, then HBM water-filling).
  void rebalance(double now);

  std::vector<Xfer> xfers_;
  std::vector<Engine> engines_;
  std::vector<uint8_t> is_dirty_;
  std::vector<uint32_t> dirty_;
  std::vector<std::pair<double, uint32_t>> demand_;  // scratch for water-filling
  double hbm_bw_;
  double total_demand_ = 0;  // running sum of the engines' demand; exactly 0 when idle
  uint64_t started_ = 0;
  size_t active_ = 0;
  bool saturated_ = false;  // the last rates came from water-filling
};

}  // namespace npulab::sim
