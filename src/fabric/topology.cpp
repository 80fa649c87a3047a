// The graph and routes of a chip system (fabric/topology.h).
#include "fabric/topology.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"

namespace npulab::fabric {
namespace {

constexpr size_t idx(Tier t) { return size_t(t); }

// The position one step along `dim` (+1 or -1, wrapping) in a server of dims `d`.
uint32_t step_pos(const std::vector<uint32_t>& d, uint32_t pos, uint32_t dim, bool forward) {
  const uint32_t x = pos % d[0], y = pos / d[0];
  const uint32_t n = d[dim], v = dim == 0 ? x : y;
  const uint32_t w = forward ? (v + 1) % n : (v + n - 1) % n;
  return dim == 0 ? y * d[0] + w : w * d[0] + x;
}

}  // namespace

std::string_view tier_name(Tier t) {
  switch (t) {
    case Tier::Dma: return "dma";
    case Tier::InServer: return "in_server";
    case Tier::AcrossServers: return "across_servers";
    case Tier::AcrossRacks: return "across_racks";
    case Tier::Efa: return "efa";
  }
  return "?";
}

uint32_t Topology::add_link(uint32_t from, uint32_t to, double gbps, double latency, Tier tier, std::string name) {
  links_.push_back({from, to, gbps, latency, tier, std::move(name)});
  return uint32_t(links_.size() - 1);
}

Topology::Topology(const arch::ChipSystem& sys, uint32_t systems) : sys_(sys), systems_(systems) {
  if (systems == 0 || systems > 1024) fail("systems: expected 1 to 1024 copies of {} joined over EFA, got {}", sys.name, systems);
  chips_ = sys.chips() * systems;
  nodes_ = chips_;
  const arch::ChipConfig& chip = sys.chip;
  // The collective DMA rings of a chip: one per CC-core, each one DMA engine (at most all
  // the chip's engines).
  const uint32_t rings = std::min(chip.collectives.cc_cores, chip.dma.engines_per_core * chip.cores_per_chip);
  dma_gbps_ = rings * chip.dma.bytes_per_ns_per_engine;
  tx_.resize(chips_);
  rx_.resize(chips_);
  local_.resize(chips_);
  fwd_.assign(chips_, {});
  bwd_.assign(chips_, {});
  for (auto& v : up_) v.assign(chips_, UINT32_MAX);
  for (auto& v : down_) v.assign(chips_, UINT32_MAX);
  ring_next_.assign(chips_, UINT32_MAX);
  ring_prev_.assign(chips_, UINT32_MAX);
  for (uint32_t c = 0; c < chips_; ++c) {
    tx_[c] = add_link(c, c, dma_gbps_, 0, Tier::Dma, fmt::format("c{}.tx", c));
    rx_[c] = add_link(c, c, dma_gbps_, 0, Tier::Dma, fmt::format("c{}.rx", c));
    local_[c] = add_link(c, c, dma_gbps_, 0, Tier::Dma, fmt::format("c{}.local", c));
  }
  const uint32_t per_server = sys.chips_per_server;
  for (uint32_t first = 0; first < chips_; first += per_server) build_server(first);
  // A switch tier: one switch node per group, a port up and down per chip.
  auto add_switch_ports = [&](Tier tier, const arch::FabricTier& t, uint32_t group_chips) {
    for (uint32_t first = 0; first < chips_; first += group_chips) {
      const uint32_t sw = nodes_++;
      for (uint32_t c = first; c < first + group_chips; ++c) {
        up_[idx(tier)][c] = add_link(c, sw, t.link_gbps, t.link_latency_ns, tier, fmt::format("c{}->sw({},{})", c, tier_name(tier), sw));
        down_[idx(tier)][c] = add_link(sw, c, t.link_gbps, t.link_latency_ns, tier, fmt::format("sw({},{})->c{}", tier_name(tier), sw, c));
      }
    }
  };
  const uint32_t per_rack = per_server * sys.servers_per_rack;
  if (sys.across_servers) {
    const arch::FabricTier& t = *sys.across_servers;
    if (t.kind == arch::TopologyKind::Switch) {
      add_switch_ports(Tier::AcrossServers, t, per_rack);
    } else {  // a ring between the chips of the same position in the rack's servers
      const uint32_t S = sys.servers_per_rack;
      for (uint32_t c = 0; c < chips_; ++c) {
        Coord k = coord(c);
        Coord next = k, prev = k;
        next.server = (k.server + 1) % S;
        prev.server = (k.server + S - 1) % S;
        ring_next_[c] = add_link(c, chip_at(next), t.link_gbps, t.link_latency_ns, Tier::AcrossServers,
                                 fmt::format("c{}->c{}", c, chip_at(next)));
        ring_prev_[c] = add_link(c, chip_at(prev), t.link_gbps, t.link_latency_ns, Tier::AcrossServers,
                                 fmt::format("c{}->c{}", c, chip_at(prev)));
      }
    }
  }
  if (sys.across_racks) add_switch_ports(Tier::AcrossRacks, *sys.across_racks, sys.chips());
  if (systems_ > 1) {
    const arch::FabricTier efa{arch::TopologyKind::Switch, {}, sys.efa_gbps_per_chip, sys.efa_latency_ns / 2};
    add_switch_ports(Tier::Efa, efa, chips_);  // latency split over the two ports of a transfer
  }
}

void Topology::build_server(uint32_t first) {
  const arch::FabricTier& t = sys_.in_server;
  const uint32_t n = sys_.chips_per_server;
  if (t.kind == arch::TopologyKind::Switch) {
    const uint32_t sw = nodes_++;
    for (uint32_t p = 0; p < n; ++p) {
      const uint32_t c = first + p;
      up_[idx(Tier::InServer)][c] =
          add_link(c, sw, t.link_gbps, t.link_latency_ns, Tier::InServer, fmt::format("c{}->sw(in_server,{})", c, sw));
      down_[idx(Tier::InServer)][c] =
          add_link(sw, c, t.link_gbps, t.link_latency_ns, Tier::InServer, fmt::format("sw(in_server,{})->c{}", sw, c));
    }
    return;
  }
  const auto& d = t.dims;
  for (uint32_t p = 0; p < n; ++p) {
    const uint32_t c = first + p;
    for (uint32_t dim = 0; dim < d.size(); ++dim) {
      if (d[dim] < 2) {  // a dimension of one chip has no links
        fwd_[c].push_back(UINT32_MAX);
        bwd_[c].push_back(UINT32_MAX);
        continue;
      }
      const uint32_t f = first + step_pos(d, p, dim, true), b = first + step_pos(d, p, dim, false);
      fwd_[c].push_back(add_link(c, f, t.link_gbps, t.link_latency_ns, Tier::InServer, fmt::format("c{}->c{}", c, f)));
      bwd_[c].push_back(add_link(c, b, t.link_gbps, t.link_latency_ns, Tier::InServer, fmt::format("c{}->c{}", c, b)));
    }
  }
}

Topology::Coord Topology::coord(uint32_t chip) const {
  if (chip >= chips_) fail("chip {}: the system has chips 0..{}", chip, chips_ - 1);
  Coord k{};
  k.position = chip % sys_.chips_per_server;
  uint32_t rest = chip / sys_.chips_per_server;
  k.server = rest % sys_.servers_per_rack;
  rest /= sys_.servers_per_rack;
  k.rack = rest % sys_.racks;
  k.system = rest / sys_.racks;
  return k;
}

uint32_t Topology::chip_at(const Coord& k) const {
  return ((k.system * sys_.racks + k.rack) * sys_.servers_per_rack + k.server) * sys_.chips_per_server + k.position;
}

Tier Topology::common_tier(uint32_t a, uint32_t b) const {
  const Coord x = coord(a), y = coord(b);
  if (x.system != y.system) return Tier::Efa;
  if (x.rack != y.rack) return Tier::AcrossRacks;
  if (x.server != y.server) return Tier::AcrossServers;
  return Tier::InServer;
}

void Topology::walk_dim(uint32_t c, uint32_t dim, uint32_t n, uint32_t from, uint32_t to,
                        std::vector<uint32_t>& out) const {
  const uint32_t ahead = (to + n - from) % n;
  const bool forward = ahead <= n - ahead;
  for (uint32_t hops = forward ? ahead : n - ahead; hops > 0; --hops) {
    const uint32_t l = forward ? fwd_[c][dim] : bwd_[c][dim];
    out.push_back(l);
    c = links_[l].to;
  }
}

void Topology::route_in_server(uint32_t a, uint32_t b, std::vector<uint32_t>& out) const {
  if (a == b) return;
  const arch::FabricTier& t = sys_.in_server;
  if (t.kind == arch::TopologyKind::Switch) {
    out.push_back(up_[idx(Tier::InServer)][a]);
    out.push_back(down_[idx(Tier::InServer)][b]);
    return;
  }
  const auto& d = t.dims;
  const uint32_t pa = coord(a).position, pb = coord(b).position;
  const uint32_t first = a - pa;
  // x first (along a's row), then y (along b's column).
  walk_dim(a, 0, d[0], pa % d[0], pb % d[0], out);
  if (d.size() == 2) {
    const uint32_t turn = first + (pa / d[0]) * d[0] + pb % d[0];
    walk_dim(turn, 1, d[1], pa / d[0], pb / d[0], out);
  }
}

std::vector<uint32_t> Topology::route(uint32_t a, uint32_t b) const {
  if (a >= chips_ || b >= chips_) fail("route {} -> {}: the system has chips 0..{}", a, b, chips_ - 1);
  if (a == b) return {local_[a]};
  std::vector<uint32_t> out{tx_[a]};
  const Tier tier = common_tier(a, b);
  if (tier == Tier::InServer) {
    route_in_server(a, b, out);
  } else if (tier == Tier::AcrossServers && sys_.across_servers->kind == arch::TopologyKind::Ring) {
    Coord k = coord(a);
    const Coord kb = coord(b);
    k.position = kb.position;
    const uint32_t mid = chip_at(k);  // b's position in a's server
    route_in_server(a, mid, out);
    const uint32_t S = sys_.servers_per_rack;
    const uint32_t ahead = (kb.server + S - k.server) % S;
    const bool forward = ahead <= S - ahead;
    uint32_t c = mid;
    for (uint32_t hops = forward ? ahead : S - ahead; hops > 0; --hops) {
      const uint32_t l = forward ? ring_next_[c] : ring_prev_[c];
      out.push_back(l);
      c = links_[l].to;
    }
  } else {
    out.push_back(up_[idx(tier)][a]);
    out.push_back(down_[idx(tier)][b]);
  }
  out.push_back(rx_[b]);
  return out;
}

double Topology::route_latency_ns(uint32_t a, uint32_t b) const {
  double t = 0;
  for (uint32_t l : route(a, b)) t += links_[l].latency_ns;
  return t;
}

double Topology::link_gbps_per_chip() const {
  double out = 0;
  for (const Link& l : links_)
    if (l.from == 0 && l.tier != Tier::Dma && l.tier != Tier::Efa) out += l.gbps;
  return out;
}

double Topology::bisection_gbps() const {
  const uint32_t n = sys_.chips(), half = n / 2;
  auto side = [&](uint32_t node) { return node < half ? 0 : node < n ? 1 : 2; };  // 2: a switch or another system
  double direct = 0;
  std::vector<double> into(nodes_, 0), out_of(nodes_, 0);
  for (const Link& l : links_) {
    if (l.tier == Tier::Dma || l.tier == Tier::Efa) continue;
    const int a = side(l.from), b = side(l.to);
    if (a == 0 && b == 1) direct += l.gbps;
    if (a == 0 && b == 2) into[l.to] += l.gbps;
    if (a == 2 && b == 1) out_of[l.from] += l.gbps;
  }
  double via_switches = 0;
  for (uint32_t sw = chips_; sw < nodes_; ++sw) via_switches += std::min(into[sw], out_of[sw]);
  return direct + via_switches;
}

uint32_t Topology::fabric_links_per_system() const {
  uint32_t count = 0;
  const uint32_t n = sys_.chips();
  for (const Link& l : links_)
    if (l.tier != Tier::Dma && l.tier != Tier::Efa && (l.from < n || l.to < n)) ++count;
  return count;
}

}  // namespace npulab::fabric
