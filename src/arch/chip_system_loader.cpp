// load_chip_system (arch/chip_system.h): a multi-chip system file, read as strictly as the
// chips (arch/toml_reader.h), its chip resolved on the same search path.
#include <fmt/format.h>

#include "arch/chip_system.h"
#include "arch/system_kind.h"
#include "arch/toml_reader.h"
#include "common/error.h"

namespace npulab::arch {
namespace {

TopologyKind parse_topology(const TomlTableReader& r, const std::string& text, bool point_to_point_allowed) {
  if (text == "ring") return TopologyKind::Ring;
  if (text == "torus2d" && point_to_point_allowed) return TopologyKind::Torus2D;
  if (text == "switch") return TopologyKind::Switch;
  fail("{}: expected {}, got \"{}\"", r.where("topology"),
       point_to_point_allowed ? "\"ring\", \"torus2d\" or \"switch\"" : "\"ring\" or \"switch\"", text);
}

// A tier above the server: a ring joins the chips of the same position in each group
// (Trn2 UltraServer), a switch gives each chip a port.
FabricTier read_tier(const std::string& file, const toml::table& root, const std::string& table, bool ring_allowed) {
  TomlTableReader r(file, root, table);
  FabricTier t;
  const std::string kind = r.string("topology");
  t.link_gbps = r.real("link_gbps");
  t.link_latency_ns = r.real("link_latency_ns");
  if (table == "in_server") t.dims = r.u32_list("dims");
  r.finish();
  t.kind = parse_topology(r, kind, table == "in_server");
  if (t.kind == TopologyKind::Ring && !ring_allowed)
    fail("{}: expected \"switch\" (racks are joined by switches), got \"ring\"", r.where("topology"));
  return t;
}

void check_dims(const std::string& file, const ChipSystem& s) {
  const auto& d = s.in_server.dims;
  const size_t want = s.in_server.kind == TopologyKind::Torus2D ? 2 : 1;
  const std::string where = fmt::format("{}: in_server.dims", file);
  if (d.size() != want)
    fail("{}: a {} has {} dimension(s), got {}", where, topology_name(s.in_server.kind), want, d.size());
  uint64_t product = 1;
  for (uint32_t x : d) product *= x;
  if (product != s.chips_per_server)
    fail("{}: the dimensions' product {} must equal system.chips_per_server ({})", where, product, s.chips_per_server);
}

}  // namespace

std::string_view topology_name(TopologyKind k) {
  switch (k) {
    case TopologyKind::Ring: return "ring";
    case TopologyKind::Torus2D: return "torus2d";
    case TopologyKind::Switch: return "switch";
  }
  return "?";
}

ChipSystem load_chip_system_from_string(std::string_view text, const std::string& path) {
  const toml::table root = parse_hw_text(text, path);
  check_top_level(path, root, {"system", "in_server", "efa", "collectives", "published"},
                  {"across_servers", "across_racks"});
  ChipSystem s;
  s.source_file = path;
  {
    TomlTableReader r(path, root, "system");
    s.name = r.string("name");
    s.description = r.string("description");
    s.chip_name = r.string("chip");
    s.chips_per_server = r.u32("chips_per_server");
    s.servers_per_rack = r.u32("servers_per_rack");
    s.racks = r.u32("racks");
    r.finish();
  }
  s.in_server = read_tier(path, root, "in_server", true);
  check_dims(path, s);
  // A tier table is present exactly when there is more than one group to join: a table for
  // a tier that does not exist would be a number nothing reads.
  auto optional_tier = [&](const char* table, uint32_t groups, const char* count_key, bool ring_allowed) {
    std::optional<FabricTier> t;
    if (root.contains(table)) {
      if (groups < 2) fail("{}: [{}]: system.{} is {}: there is nothing to join (remove the table)", path, table, count_key, groups);
      t = read_tier(path, root, table, ring_allowed);
    } else if (groups > 1) {
      fail("{}: missing table [{}] (system.{} is {})", path, table, count_key, groups);
    }
    return t;
  };
  s.across_servers = optional_tier("across_servers", s.servers_per_rack, "servers_per_rack", true);
  s.across_racks = optional_tier("across_racks", s.racks, "racks", false);
  {
    TomlTableReader r(path, root, "efa");
    s.efa_gbps_per_chip = r.real("gbps_per_chip");
    s.efa_latency_ns = r.real("latency_ns");
    r.finish();
  }
  {
    TomlTableReader r(path, root, "collectives");
    s.collectives.start_ns = r.real("start_ns");
    s.collectives.step_ns = r.real("step_ns");
    s.collectives.mesh_max_bytes = r.u64("mesh_max_bytes");
    s.collectives.rdh_max_bytes = r.u64("rdh_max_bytes");
    r.finish();
    if (s.collectives.rdh_max_bytes < s.collectives.mesh_max_bytes)
      fail("{}: collectives.rdh_max_bytes: expected >= collectives.mesh_max_bytes ({}), got {}", path,
           s.collectives.mesh_max_bytes, s.collectives.rdh_max_bytes);
  }
  {
    TomlTableReader r(path, root, "published");
    auto& p = s.published;
    p.chips = r.u32("chips");
    p.bf16_pflops = r.real("bf16_pflops");
    p.fp8_pflops = r.real("fp8_pflops");
    p.fp32_pflops = r.real("fp32_pflops");
    p.hbm_gib = r.real("hbm_gib");
    p.hbm_tbps = r.real("hbm_tbps");
    p.link_gbps_per_chip = r.real("link_gbps_per_chip");
    p.efa_gbps = r.real("efa_gbps");
    r.finish();
  }
  // The published count is the one figure that must agree exactly: a file whose tiers do
  // not multiply to it describes another system.
  if (s.published.chips != s.chips())
    fail("{}: published.chips: {} but chips_per_server x servers_per_rack x racks = {} x {} x {} = {}", path,
         s.published.chips, s.chips_per_server, s.servers_per_rack, s.racks, s.chips());
  return s;
}

ChipSystem load_chip_system(const std::string& name_or_path, const ChipSearchPath& path) {
  const std::string file = resolve_system_file(name_or_path, path, SystemKind::Chip);
  ChipSystem s = load_chip_system_from_string(read_hw_file(file), file);
  try {
    s.chip = load_chip_by_name(s.chip_name, path);
  } catch (const Error& e) {
    fail("{}: system.chip: {}", file, e.what());
  }
  return s;
}

ChipSystem load_chip_system(const std::string& name_or_path) {
  return load_chip_system(name_or_path, ChipSearchPath::standard());
}

std::vector<std::string> chip_system_names(const ChipSearchPath& path) { return system_names(path, SystemKind::Chip); }

}  // namespace npulab::arch
