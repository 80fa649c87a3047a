// "flow": the fabric's first timing model (fabric/network.h), in the spirit of ASTRA-sim's
// analytical network backend with congestion. Between events (a flow starting or sending its
// last byte) every active flow has a constant rate; the rates are the max-min fair
// allocation of the links' bandwidths (progressive filling: raise every unfrozen flow's rate
// together until some link is full, freeze the flows crossing it, repeat; the link that
// fills first is the one with the least bandwidth left per unfrozen flow, ties to the lower
// link id). A flow finishes its route latency after its last byte left. Deterministic: the
// same flows give the same times whatever their order.
#include <algorithm>
#include <limits>
#include <map>
#include <numeric>

#include "fabric/network.h"

namespace npulab::fabric {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

class FlowNetwork final : public Network {
 public:
  using Network::Network;
  std::string_view name() const override { return "flow"; }
  std::vector<double> run(const std::vector<Flow>& flows) const override;

 private:
  void fair_rates(const std::vector<uint32_t>& active, const std::vector<const std::vector<uint32_t>*>& routes,
                  std::vector<double>& rate) const;
};

void FlowNetwork::fair_rates(const std::vector<uint32_t>& active,
                             const std::vector<const std::vector<uint32_t>*>& routes, std::vector<double>& rate) const {
  const auto& links = topo_.links();
  std::map<uint32_t, std::vector<uint32_t>> on_link;  // link -> active flows crossing it (ordered: deterministic)
  for (uint32_t f : active)
    for (uint32_t l : *routes[f]) on_link[l].push_back(f);
  std::map<uint32_t, double> left;
  std::map<uint32_t, uint32_t> unfrozen;
  for (const auto& [l, fs] : on_link) {
    left[l] = links[l].gbps;
    unfrozen[l] = uint32_t(fs.size());
  }
  std::vector<char> frozen(rate.size(), 0);
  size_t remaining = active.size();
  while (remaining > 0) {
    uint32_t best = UINT32_MAX;
    double share = kInf;
    for (const auto& [l, n] : unfrozen) {
      if (n == 0) continue;
      const double s = std::max(0.0, left[l]) / n;
      if (s < share) share = s, best = l;
    }
    for (uint32_t f : on_link[best]) {
      if (frozen[f]) continue;
      frozen[f] = 1;
      rate[f] = share;
      --remaining;
      for (uint32_t l : *routes[f]) {
        left[l] -= share;
        --unfrozen[l];
      }
    }
  }
}

std::vector<double> FlowNetwork::run(const std::vector<Flow>& flows) const {
  const size_t n = flows.size();
  std::vector<double> finish(n, 0), left(n), rate(n, 0), latency(n, 0);
  // Routes once per chip pair.
  std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>> cache;
  std::vector<const std::vector<uint32_t>*> routes(n);
  for (size_t f = 0; f < n; ++f) {
    auto key = std::make_pair(flows[f].src, flows[f].dst);
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, topo_.route(key.first, key.second)).first;
    routes[f] = &it->second;
    for (uint32_t l : it->second) latency[f] += topo_.links()[l].latency_ns;
    left[f] = flows[f].bytes;
  }
  // Pending flows by start time (ties: index), so the event sequence is order-free.
  std::vector<uint32_t> pending(n);
  std::iota(pending.begin(), pending.end(), 0u);
  std::stable_sort(pending.begin(), pending.end(),
                   [&](uint32_t a, uint32_t b) { return flows[a].start_ns < flows[b].start_ns; });
  size_t next = 0;
  std::vector<uint32_t> active;
  double t = n ? flows[pending[0]].start_ns : 0;
  while (next < n || !active.empty()) {
    while (next < n && flows[pending[next]].start_ns <= t) {
      const uint32_t f = pending[next++];
      if (left[f] <= 0) finish[f] = flows[f].start_ns + latency[f];
      else active.push_back(f);
    }
    if (active.empty()) {
      if (next < n) t = flows[pending[next]].start_ns;
      continue;
    }
    std::sort(active.begin(), active.end());
    fair_rates(active, routes, rate);
    double dt = kInf;
    for (uint32_t f : active) dt = std::min(dt, left[f] / rate[f]);
    const double to_start = next < n ? flows[pending[next]].start_ns - t : kInf;
    const bool finishing = dt <= to_start;
    dt = std::min(dt, to_start);
    t += dt;
    std::vector<uint32_t> still;
    for (uint32_t f : active) {
      // Flows within a relative 1e-12 of the first to finish finish with it (equal flows
      // of a symmetric collective end together instead of by rounding).
      if (finishing && left[f] / rate[f] <= dt * (1 + 1e-12)) {
        left[f] = 0;
        finish[f] = t + latency[f];
      } else {
        left[f] -= rate[f] * dt;
        still.push_back(f);
      }
    }
    active.swap(still);
  }
  return finish;
}

}  // namespace

std::unique_ptr<Network> make_flow_network(const Topology& topo) { return std::make_unique<FlowNetwork>(topo); }

}  // namespace npulab::fabric
