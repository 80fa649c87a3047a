// `npulab info <chip system>` (cli/info_system.h). Derived figures come from the system file,
// its chip's file (arch::derive_peaks) and the fabric's graph (fabric::Topology); the
// published ones from [published]. Two differences are printed: derived (the simulator's
// peaks x chips) vs published, and the chip file's published figure x chips vs the system's
// published total, which checks the two published tables against each other.
#include "cli/info_system.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "arch/chip_system.h"
#include "arch/system_kind.h"
#include "common/error.h"
#include "fabric/topology.h"

namespace npulab::cli {
namespace {

using nlohmann::ordered_json;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

double pct(double a, double b) { return b > 0 ? 100.0 * (a - b) / b : 0; }

struct Row {
  std::string what;
  double derived, chip_published_x_n, published;
};

std::string tier_text(const arch::FabricTier& t) {
  const std::string dims = t.dims.empty() ? "" : fmt::format(" {}", fmt::join(t.dims, "x"));
  return fmt::format("{}{}, {} GB/s per {} and direction, {} ns per hop", arch::topology_name(t.kind), dims, t.link_gbps,
                     t.kind == arch::TopologyKind::Switch ? "port" : "link", t.link_latency_ns);
}

}  // namespace

bool is_chip_system(const std::string& name, const arch::ChipSearchPath& path) {
  if (name.find('/') != std::string::npos || name.ends_with(".toml")) {
    try {
      return arch::system_file_kind(name) == arch::SystemKind::Chip;
    } catch (const Error&) {
      return false;  // not a system file: the chip loader reports what it is
    }
  }
  const auto f = arch::find_hw_file(name, path, arch::kSystemsDir);
  return !f.empty() && arch::system_file_kind(f.string()) == arch::SystemKind::Chip;
}

std::vector<std::pair<std::string, std::string>> chip_system_list(const arch::ChipSearchPath& path) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& n : arch::chip_system_names(path)) out.emplace_back(n, arch::load_chip_system(n, path).description);
  return out;
}

int print_chip_system_info(const std::string& name, bool json) {
  const arch::ChipSystem s = arch::load_chip_system(name);
  const fabric::Topology topo(s);
  const arch::Peaks p = arch::derive_peaks(s.chip);
  const double n = s.chips();
  const auto& pub = s.published;
  const std::vector<Row> rows = {
      {"BF16 PFLOPS", n * p.tensor_tflops_bf16_chip / 1e3, n * s.chip.published_bf16_tflops / 1e3, pub.bf16_pflops},
      {"FP8 PFLOPS", n * p.tensor_tflops_fp8_chip / 1e3, n * s.chip.published_fp8_tflops / 1e3, pub.fp8_pflops},
      {"FP32 PFLOPS", n * p.tensor_tflops_fp32_chip / 1e3, n * s.chip.published_fp32_tflops / 1e3, pub.fp32_pflops},
      {"HBM GiB", n * double(s.chip.hbm.capacity_bytes) / kGiB, n * double(s.chip.hbm.capacity_bytes) / kGiB, pub.hbm_gib},
      {"HBM TB/s", n * p.hbm_gbps_chip / 1e3, n * s.chip.published_hbm_tbps, pub.hbm_tbps},
      // The chip file's NeuronLink figure is per chip already (not x n).
      {"NeuronLink GB/s per chip", topo.link_gbps_per_chip(), s.chip.link.bandwidth_gbps_per_chip, pub.link_gbps_per_chip},
      {"EFA Gbps", n * s.efa_gbps_per_chip * 8, n * s.efa_gbps_per_chip * 8, pub.efa_gbps},
  };
  if (json) {
    ordered_json j;
    j["name"] = s.name;
    j["description"] = s.description;
    j["source"] = s.source_file;
    j["chip"] = s.chip.name;
    j["chips"] = s.chips();
    j["chips_per_server"] = s.chips_per_server;
    j["servers_per_rack"] = s.servers_per_rack;
    j["racks"] = s.racks;
    ordered_json t = ordered_json::array();
    for (const Row& r : rows)
      t.push_back({{"figure", r.what}, {"derived", r.derived}, {"chip_published_x_chips", r.chip_published_x_n},
                   {"published", r.published}, {"diff_pct", pct(r.derived, r.published)}});
    j["totals"] = t;
    j["bisection_gbps"] = topo.bisection_gbps();
    j["links"] = topo.fabric_links_per_system();
    j["collective_dma_gbps_per_chip"] = topo.chip_dma_gbps();
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("{} — {}\n  from {}\n\n", s.name, s.description, s.source_file);
  fmt::print("Chips: {} x {} ({} per server x {} servers per rack x {} rack(s))\n\n", s.chips(), s.chip.name,
             s.chips_per_server, s.servers_per_rack, s.racks);
  fmt::print("  {:<26} {:>12} {:>16} {:>12} {:>9} {:>9}\n", "total", "derived", "chip pub. x n", "published", "diff",
             "pub. diff");
  for (const Row& r : rows) {
    if (r.published <= 0) {  // nothing published to compare with
      fmt::print("  {:<26} {:>12.2f} {:>16.2f} {:>12} {:>9} {:>9}\n", r.what, r.derived, r.chip_published_x_n, "-", "n/a", "n/a");
      continue;
    }
    fmt::print("  {:<26} {:>12.2f} {:>16.2f} {:>12.2f} {:>+8.1f}% {:>+8.1f}%\n", r.what, r.derived, r.chip_published_x_n,
               r.published, pct(r.derived, r.published), pct(r.chip_published_x_n, r.published));
  }
  fmt::print("  (derived: the simulator's peaks (hw/{}.toml) x chips, and the links of the fabric; diff: derived vs the\n"
             "   system's published total; pub. diff: the chip's published figure x chips vs it. docs/SYSTEMS.md explains each)\n\n",
             s.chip.name);
  fmt::print("Fabric\n");
  fmt::print("  in server       {}\n", tier_text(s.in_server));
  if (s.across_servers) fmt::print("  across servers  {}\n", tier_text(*s.across_servers));
  if (s.across_racks) fmt::print("  across racks    {}\n", tier_text(*s.across_racks));
  fmt::print("  EFA             {} GB/s per chip, {} ns between systems\n", s.efa_gbps_per_chip, s.efa_latency_ns);
  fmt::print("  bisection       {:.0f} GB/s (one direction, the first half of the chips to the second)\n", topo.bisection_gbps());
  fmt::print("  links           {} (point-to-point links and switch ports, one per direction)\n", topo.fabric_links_per_system());
  fmt::print("  collective DMA  {:.0f} GB/s per chip ({} CC-cores x {} B/ns)\n\n", topo.chip_dma_gbps(), s.chip.collectives.cc_cores,
             s.chip.dma.bytes_per_ns_per_engine);
  fmt::print("Collectives across chips: start {} ns, {} ns per step; mesh <= {} B, rdh <= {} B (power-of-two groups), then\n"
             "  ring2d (a whole 2D torus) or ring; switches: mesh; several servers: hierarchical (`npulab collective`)\n",
             s.collectives.start_ns, s.collectives.step_ns, s.collectives.mesh_max_bytes, s.collectives.rdh_max_bytes);
  return 0;
}

}  // namespace npulab::cli
