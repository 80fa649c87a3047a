// "ideal": no contention (fabric/network.h). Each flow runs alone at its route's narrowest
// link: finish = start + bytes / min bandwidth + route latency.
#include <algorithm>
#include <limits>

#include "fabric/network.h"

namespace npulab::fabric {
namespace {

class IdealNetwork final : public Network {
 public:
  using Network::Network;
  std::string_view name() const override { return "ideal"; }
  bool flows_independent() const override { return true; }
  std::vector<double> run(const std::vector<Flow>& flows) const override {
    std::vector<double> out;
    out.reserve(flows.size());
    for (const Flow& f : flows) {
      double bw = std::numeric_limits<double>::infinity(), lat = 0;
      for (uint32_t l : topo_.route(f.src, f.dst)) {
        bw = std::min(bw, topo_.links()[l].gbps);
        lat += topo_.links()[l].latency_ns;
      }
      out.push_back(f.start_ns + f.bytes / bw + lat);
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Network> make_ideal_network(const Topology& topo) { return std::make_unique<IdealNetwork>(topo); }

}  // namespace npulab::fabric
