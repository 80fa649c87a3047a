// Shared-bandwidth model of the chip's DMA traffic: a fluid (processor-sharing) model.
//
// Each active transfer needs `engine_ns` of work on its DMA engine (descriptors + bytes /
// engine bandwidth) and moves `hbm_bytes` through HBM evenly over that work. At every
// moment each transfer progresses at a rate r <= 1 (engine-ns of work per ns):
//   - a DMA engine splits its capacity equally among its active transfers (the queues it
//     serves round-robin, reference §1.6): r_i <= 1 / n_engine;
//   - HBM bandwidth is shared max-min fairly (water-filling) among the transfers that
//     touch HBM: sum_i r_i * hbm_bytes_i / engine_ns_i <= hbm.bandwidth_gbps.
// Rates are recomputed whenever a transfer starts or finishes, and the finish times of
// the transfers whose rate changed are reported back to the scheduler. By construction
// no engine ever exceeds its bandwidth and the chip's aggregate HBM throughput never
// exceeds the HBM bandwidth, and the model is work-conserving on HBM.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace npulab::sim {

class DmaFluid {
 public:
  DmaFluid(uint32_t num_engines, double hbm_bytes_per_ns);
  // Transfer `id` (unique among active ones) starts at now_ns on `engine`.
  void start(uint32_t id, uint32_t engine, double now_ns, double engine_ns, double hbm_bytes);
  // Transfer `id` reached its finish time.
  void finish(uint32_t id, double now_ns);
  // (id, projected finish ns) of every transfer whose finish time changed in the last
  // start/finish call (the started one included).
  const std::vector<std::pair<uint32_t, double>>& changed() const { return changed_; }
  size_t active() const { return xfers_.size(); }

 private:
  struct Xfer {
    uint32_t id, engine;
    double remaining;  // engine-ns of work left
    double hbm_per_ns; // HBM bytes per engine-ns of work
    double rate = 0;   // engine-ns per ns
  };
  void advance(double now_ns);
  // Full recomputation of every rate (engine shares, then HBM water-filling).
  void rebalance(double now_ns);
  // After a start/finish on `engine`: the same result as rebalance() (bit for bit,
  // including the order of changed_), but O(active) compares instead of divisions and
  // water-filling when HBM is clearly unsaturated before and after (then every rate is
  // 1 / transfers-on-its-engine and only `engine`'s transfers can change).
  void update(uint32_t engine, double now_ns);


  std::vector<Xfer> xfers_;
  std::vector<uint32_t> per_engine_;
  std::vector<std::pair<double, uint32_t>> demand_;  // scratch for water-filling
  std::vector<std::pair<uint32_t, double>> changed_;
  double hbm_bw_;
  double last_ns_ = 0;
  std::vector<double> engine_hbm_;     // per engine: running sum of hbm_per_ns
  std::vector<double> engine_demand_;  // per engine: engine_hbm_ / count (approx.)
  bool unsaturated_ = true;            // last rates were the plain engine shares
};

}  // namespace npulab::sim
