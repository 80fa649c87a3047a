// Names of the collectives and algorithms, bus factors (fabric/collective.h).
#include "fabric/collective.h"

namespace npulab::fabric {
namespace {
constexpr std::string_view kKinds[] = {"all-reduce", "reduce-scatter", "all-gather", "all-to-all", "permute", "send-recv"};
constexpr std::string_view kAlgos[] = {"auto", "ring", "ring2d", "rdh", "mesh", "hierarchical", "direct"};
}  // namespace

std::string_view coll_kind_name(CollKind k) { return kKinds[size_t(k)]; }
std::optional<CollKind> parse_coll_kind(std::string_view s) {
  for (size_t i = 0; i < std::size(kKinds); ++i)
    if (s == kKinds[i]) return CollKind(i);
  return std::nullopt;
}

std::string_view algo_name(Algo a) { return kAlgos[size_t(a)]; }
std::optional<Algo> parse_algo(std::string_view s) {
  for (size_t i = 0; i < std::size(kAlgos); ++i)
    if (s == kAlgos[i]) return Algo(i);
  return std::nullopt;
}

uint64_t Schedule::message_elems() const {
  switch (kind) {
    case CollKind::AllReduce: case CollKind::Permute: case CollKind::SendRecv: return count;
    default: return count * ranks;
  }
}

double bus_factor(CollKind kind, uint32_t n) {
  if (n < 2) return 0;
  switch (kind) {
    case CollKind::AllReduce: return 2.0 * (n - 1) / n;
    case CollKind::Permute: case CollKind::SendRecv: return 1.0;
    default: return double(n - 1) / n;
  }
}

std::vector<uint32_t> default_group(const Topology& topo, uint32_t chips) {
  std::vector<uint32_t> g;
  for (uint32_t c = 0; c < chips && c < topo.chips(); ++c) g.push_back(c);
  return g;
}

}  // namespace npulab::fabric
