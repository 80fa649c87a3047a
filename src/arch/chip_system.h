// Multi-chip systems as data: a server, an UltraServer or a cluster of them, described by
// hw/systems/<name>.toml with a top-level [system] table naming its chip (`chip = "trn2"`,
// a hw/<chip>.toml resolved on the same search path). GPU systems live in the same folder
// and say `gpu = ...` instead (arch/gpu.h); arch/system_kind.h tells the two apart.
//
// A system is a hierarchy of fabric tiers, each joining the groups of the tier below:
//   in_server       the chips of one server (ring, 2D torus or a switch), required;
//   across_servers  the servers of one rack (NeuronLink: a ring between same-position chips,
//                   or a switch every chip has a port on), required when servers_per_rack > 1;
//   across_racks    the racks of the system (a switch), required when racks > 1;
//   efa             the host network between systems (EFA), always described: a cluster of
//                   several systems is a run-time choice (fabric::Topology), not a file.
// Every key is required, unknown keys are refused and every number lies in its range of
// arch/hw_ranges.cpp; errors name the file and the table.key. docs/SYSTEMS.md has the keys.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arch/chip.h"
#include "arch/chip_search.h"

namespace npulab::arch {

enum class TopologyKind : uint8_t { Ring, Torus2D, Switch };
std::string_view topology_name(TopologyKind k);  // "ring", "torus2d", "switch"

// One tier of the fabric. A ring or torus has point-to-point links between neighbours, each
// of link_gbps in each direction; a switch gives every chip one port of link_gbps in each
// direction into a non-blocking switch. link_latency_ns is what one hop (a link, or a
// switch port pair) adds to a transfer.
struct FabricTier {
  TopologyKind kind = TopologyKind::Ring;
  std::vector<uint32_t> dims;  // in_server only: ring {n}, torus2d {x, y}, switch {n}
  double link_gbps = 0;        // GB/s per link (or switch port) and direction
  double link_latency_ns = 0;
};

struct ChipSystem {
  std::string name, description, source_file;
  std::string chip_name;       // system.chip
  ChipConfig chip;             // resolved on the search path by load_chip_system
  uint32_t chips_per_server = 0, servers_per_rack = 0, racks = 0;
  FabricTier in_server;
  std::optional<FabricTier> across_servers;  // present iff servers_per_rack > 1
  std::optional<FabricTier> across_racks;    // present iff racks > 1
  double efa_gbps_per_chip = 0;  // host network (EFA) per chip and direction, GB/s
  double efa_latency_ns = 0;     // one transfer between systems, HBM to HBM
  // Collectives across chips (fabric/collective.h): the fixed cost once every rank has
  // issued one, the cost of each algorithm step (DMA start and the ranks' handshake), and
  // the chooser's sweet ranges (mesh up to mesh_max_bytes, recursive halving/doubling up to
  // rdh_max_bytes, ring above).
  struct Collectives {
    double start_ns = 0, step_ns = 0;
    uint64_t mesh_max_bytes = 0, rdh_max_bytes = 0;
  } collectives;
  // The system's published totals, for `npulab info <system>` and the tests only.
  struct Published {
    uint32_t chips = 0;
    double bf16_pflops = 0, fp8_pflops = 0, fp32_pflops = 0;
    double hbm_gib = 0, hbm_tbps = 0;
    double link_gbps_per_chip = 0;  // the documented NeuronLink bandwidth per chip
    double efa_gbps = 0;            // EFA of the whole system, Gbps (bits)
  } published;

  uint32_t servers() const { return servers_per_rack * racks; }
  uint32_t chips() const { return chips_per_server * servers(); }
};

// The system's tables only: `chip` is left for load_chip_system to resolve (tests and the
// fuzz target read text without a search path).
ChipSystem load_chip_system_from_string(std::string_view text, const std::string& source_name);
// By name on `path` (<dir>/systems/<name>.toml) or from a file path; the chip is resolved on
// the same path. A GPU system's file is refused naming what to use instead.
ChipSystem load_chip_system(const std::string& name_or_path, const ChipSearchPath& path);
ChipSystem load_chip_system(const std::string& name_or_path);  // the standard search path
std::vector<std::string> chip_system_names(const ChipSearchPath& path);

}  // namespace npulab::arch
