// The links of a multi-chip system (arch::ChipSystem) as a graph, and the route a transfer
// between two chips takes on it. Nodes are the chips, then one node per switch; links are
// directed, each with a bandwidth (GB/s = bytes per ns) and a latency. Every chip also has
// its collective DMA as links of its own: `tx` (HBM into the fabric), `rx` (the fabric into
// HBM) and `local` (HBM to HBM on the chip), each at the chip's collective DMA bandwidth,
// cc_cores x the DMA engine's bandwidth (hw/<chip>.toml; the CC-cores drive the collective
// DMA rings, docs/SIMULATOR.md "Collectives"): that is the on-chip part of every transfer.
//
// Chips are numbered system-major: chip = ((system x racks + rack) x servers_per_rack +
// server) x chips_per_server + position. `systems` > 1 joins copies of the system over the
// host network (EFA), a non-blocking network every chip has a port on.
//
// Routes are deterministic (docs/SYSTEMS.md): the tier is the lowest that holds both chips;
// in a ring the shorter direction (ties: ascending), in a 2D torus dimension order (x, then
// y, each as a ring); across a ring of servers (Trn2 UltraServer) first within the source
// server to the destination's position, then along the ring of that position; through a
// switch the source's up port and the destination's down port.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "arch/chip_system.h"

namespace npulab::fabric {

enum class Tier : uint8_t { Dma, InServer, AcrossServers, AcrossRacks, Efa };
std::string_view tier_name(Tier t);  // "dma", "in_server", "across_servers", "across_racks", "efa"

struct Link {
  uint32_t from = 0, to = 0;  // nodes (chips first, then switches)
  double gbps = 0;            // bytes per ns
  double latency_ns = 0;
  Tier tier = Tier::InServer;
  std::string name;           // "c3->c7", "c3->sw(in_server,s0)", "c3.tx", for errors and traces
};

class Topology {
 public:
  explicit Topology(const arch::ChipSystem& sys, uint32_t systems = 1);

  const arch::ChipSystem& system() const { return sys_; }
  uint32_t systems() const { return systems_; }
  uint32_t chips() const { return chips_; }
  const std::vector<Link>& links() const { return links_; }

  // Link ids from chip a's HBM to chip b's HBM: a.tx, the fabric hops, b.rx (a == b: a.local).
  std::vector<uint32_t> route(uint32_t a, uint32_t b) const;
  double route_latency_ns(uint32_t a, uint32_t b) const;

  // Where a chip sits.
  struct Coord {
    uint32_t system, rack, server, position;
  };
  Coord coord(uint32_t chip) const;
  uint32_t chip_at(const Coord& c) const;
  // The lowest tier holding both chips (InServer for a == b).
  Tier common_tier(uint32_t a, uint32_t b) const;

  // Collective DMA bandwidth of one chip (the tx, rx and local links), GB/s.
  double chip_dma_gbps() const { return dma_gbps_; }
  // Every chip's NeuronLink bandwidth out of it (one direction), summed over its links or
  // ports of the NeuronLink tiers (not EFA, not DMA), GB/s: what `npulab info` sets beside
  // the published per-chip figure.
  double link_gbps_per_chip() const;
  // Bandwidth from the first half of one system's chips (by number) to the second half:
  // direct links crossing, plus for each switch the lesser of what the first half can put
  // into it and what it can deliver to the second. One direction, GB/s.
  double bisection_gbps() const;
  // Number of point-to-point links and switch ports (one per direction) of one system.
  uint32_t fabric_links_per_system() const;

 private:
  uint32_t add_link(uint32_t from, uint32_t to, double gbps, double latency, Tier tier, std::string name);
  void build_server(uint32_t first_chip);
  void route_in_server(uint32_t a, uint32_t b, std::vector<uint32_t>& out) const;
  // Hops along dimension `dim` of chip `c`'s server from coordinate `from` to `to` (ring of n).
  void walk_dim(uint32_t c, uint32_t dim, uint32_t n, uint32_t from, uint32_t to, std::vector<uint32_t>& out) const;

  arch::ChipSystem sys_;
  uint32_t systems_ = 1, chips_ = 0;
  double dma_gbps_ = 0;
  std::vector<Link> links_;
  std::vector<uint32_t> tx_, rx_, local_;  // per chip
  // In-server point-to-point links: per chip, per dimension, forward (+1) and backward (-1).
  std::vector<std::vector<uint32_t>> fwd_, bwd_;
  // Switch ports per chip and tier (up: chip -> switch, down: switch -> chip).
  std::vector<uint32_t> up_[5], down_[5];
  // Across-servers ring links per chip (to the same position in the next / previous server).
  std::vector<uint32_t> ring_next_, ring_prev_;
  uint32_t nodes_ = 0;
};

}  // namespace npulab::fabric
