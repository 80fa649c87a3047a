// The fabric models by name (fabric/network.h). A new model is a Network subclass and a row
// of kModels.
#include <fmt/format.h>

#include "common/error.h"
#include "fabric/network.h"

namespace npulab::fabric {

std::unique_ptr<Network> make_flow_network(const Topology& topo);
std::unique_ptr<Network> make_ideal_network(const Topology& topo);

namespace {
struct Model {
  const char* name;
  std::unique_ptr<Network> (*make)(const Topology&);
};
constexpr Model kModels[] = {{"flow", make_flow_network}, {"ideal", make_ideal_network}};
}  // namespace

std::unique_ptr<Network> make_network(std::string_view name, const Topology& topo) {
  for (const Model& m : kModels)
    if (name == m.name) return m.make(topo);
  fail("fabric model '{}': expected one of {}", name, fmt::join(network_names(), ", "));
}

std::vector<std::string> network_names() {
  std::vector<std::string> out;
  for (const Model& m : kModels) out.emplace_back(m.name);
  return out;
}

}  // namespace npulab::fabric
