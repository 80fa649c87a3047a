// The fabric's timing: how long transfers take on a Topology when they share its links.
// An interface, so a finer model (packets, credit flow control) can replace the first one by
// name without touching the collectives that use it (fabric/collective.h).
//
// A flow moves `bytes` from chip src's HBM to chip dst's HBM along Topology::route, starting
// at `start_ns`; it finishes when its last byte has been sent and has crossed the route's
// latency (the sum of its links' latencies). Results depend only on the flows and the
// topology, never on host threads or the order flows with equal times are given in.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fabric/topology.h"

namespace npulab::fabric {

struct Flow {
  uint32_t src = 0, dst = 0;
  double bytes = 0;
  double start_ns = 0;
};

class Network {
 public:
  explicit Network(const Topology& topo) : topo_(topo) {}
  virtual ~Network() = default;
  virtual std::string_view name() const = 0;
  // Finish time of each flow (ns), in the order given.
  virtual std::vector<double> run(const std::vector<Flow>& flows) const = 0;
  const Topology& topology() const { return topo_; }
  // Whether a flow's finish depends on that flow alone (no sharing between flows): then the
  // rank that owns a flow's source can time it without knowing the others (a partitioned
  // run, fabric/partitioned_collective.h); otherwise a step's flows are timed together.
  virtual bool flows_independent() const { return false; }

 protected:
  const Topology& topo_;
};

// The models by name:
//   "flow"  (default) flows sharing a link share its bandwidth max-min fairly (progressive
//           filling, recomputed whenever a flow starts or ends), as ASTRA-sim's analytical
//           backend with congestion: fabric/flow_network.cpp;
//   "ideal" every flow runs at its route's narrowest link as if alone (no contention): a
//           lower bound of "flow", for comparison.
std::unique_ptr<Network> make_network(std::string_view name, const Topology& topo);
std::vector<std::string> network_names();

}  // namespace npulab::fabric
