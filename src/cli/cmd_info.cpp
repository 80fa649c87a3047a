// `npulab info [chip] [--json]`: a chip's derived peaks next to the published figures.
// Every number comes from hw/<chip>.toml through arch::derive_peaks; the published per-chip
// figures are printed beside them with the relative difference, so the (documented)
// disagreements between the derived and the published totals stay visible.
// Without a chip it lists the built-in chips.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "arch/chip.h"
#include "arch/chip_search.h"
#include "cli/command.h"
#include "cli/info_system.h"
#include "sim/collective/plan.h"

namespace npulab::cli {
namespace {

using arch::ChipConfig;
using arch::Peaks;
using nlohmann::ordered_json;

constexpr double kMiB = 1024.0 * 1024.0, kGiB = kMiB * 1024.0;

// Relative difference derived vs published, in percent (+ = derived is higher).
double diff_pct(double derived, double published) { return 100.0 * (derived - published) / published; }

int list_chips(bool json) {
  const arch::ChipSearchPath path = arch::ChipSearchPath::standard();
  const auto names = arch::chip_names(path);
  if (json) {
    ordered_json j = ordered_json::array();
    for (const auto& n : names) {
      ChipConfig c = arch::load_chip_by_name(n, path);
      j.push_back({{"name", n}, {"description", c.description}, {"source", c.source_file}});
    }
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("Chips on the search path (`npulab info <chip>` for details):\n");
  for (const auto& n : names) fmt::print("  {:<6} {}\n", n, arch::load_chip_by_name(n, path).description);
  fmt::print("Chip systems (`npulab info <system>`):\n");
  for (const auto& [n, d] : chip_system_list(path)) fmt::print("  {:<22} {}\n", n, d);
  fmt::print("Searched: {}\n", path.describe());
  return 0;
}

void print_engine(const char* name, const arch::StreamEngine& e) {
  auto per_cycle = [&](double per_lane) { return fmt::format("{:.0f}", e.lanes * per_lane); };
  fmt::print("  {:<7} {:>5.2f} GHz  {:>4}  {:>14}  {:>7.1f} / {:<7.1f}  {:>8}  {:>6}\n", name,
             e.clock_ghz, e.lanes,
             per_cycle(e.elems_per_cycle_16bit) + "/" + per_cycle(e.elems_per_cycle_8bit) + "/" +
                 per_cycle(e.elems_per_cycle_other),
             e.clock_ghz * e.lanes * e.elems_per_cycle_16bit,
             e.clock_ghz * e.lanes * e.elems_per_cycle_other, e.fixed_overhead_cycles, e.min_cycles);
}

void print_text(const ChipConfig& c, const Peaks& p) {
  fmt::print("{} — {}\n  from {}\n\n", c.name, c.description, c.source_file);
  fmt::print("Tensor engine: {}x{} PE array @ {} GHz, {} cores per chip (dense TFLOPS)\n",
             c.tensor.rows, c.tensor.cols, c.tensor.clock_ghz, c.cores_per_chip);
  fmt::print("  {:<5} {:>9} {:>9} {:>10} {:>8}\n", "dtype", "per core", "per chip", "published",
             "diff");
  auto row = [](const char* dt, double core, double chip, double pub) {
    fmt::print("  {:<5} {:>9.1f} {:>9.1f} {:>10.1f} {:>+7.1f}%\n", dt, core, chip, pub,
               diff_pct(chip, pub));
  };
  row("BF16", p.tensor_tflops_bf16_core, p.tensor_tflops_bf16_chip, c.published_bf16_tflops);
  row("FP8", p.tensor_tflops_fp8_core, p.tensor_tflops_fp8_chip, c.published_fp8_tflops);
  row("FP32", p.tensor_tflops_fp32_core, p.tensor_tflops_fp32_chip, c.published_fp32_tflops);
  fmt::print("  (the published figures disagree among themselves; docs/HARDWARE.md explains each diff)\n\n");

  fmt::print("Memory and data movement\n");
  fmt::print("  HBM         {:.0f} GiB, {:.0f} GB/s per chip (published {} TB/s, {:+.1f}%)\n",
             c.hbm.capacity_bytes / kGiB, p.hbm_gbps_chip, c.published_hbm_tbps,
             diff_pct(p.hbm_gbps_chip, c.published_hbm_tbps * 1000));
  fmt::print("  DMA         {} engines x {} queues x {} B/ns = {:.0f} GB/s per core, {:.0f} GB/s per "
             "chip (published {} TB/s nominal, {:+.1f}%)\n",
             c.dma.engines_per_core, c.dma.queues_per_engine, c.dma.bytes_per_ns_per_engine,
             p.dma_gbps_core, p.dma_gbps_chip, c.published_dma_tbps,
             diff_pct(p.dma_gbps_chip, c.published_dma_tbps * 1000));
  fmt::print("              fixed latency {} ns, {} ns per descriptor, >= {} B per partition "
             "for full efficiency\n",
             c.dma.fixed_latency_ns, c.dma.descriptor_ns, c.dma.min_efficient_bytes);
  fmt::print("  SBUF        {:.0f} MiB per core ({} partitions x {} KiB)\n", p.sbuf_bytes_core / kMiB,
             c.sbuf.partitions, c.sbuf.bytes_per_partition / 1024);
  fmt::print("  PSUM        {:.0f} MiB per core ({} partitions x {} KiB, {} banks of {} KiB)\n",
             p.psum_bytes_core / kMiB, c.psum.partitions, c.psum.bytes_per_partition / 1024,
             c.psum.banks, c.psum.bank_bytes() / 1024);
  fmt::print("  NeuronLink  {:.0f} GB/s per chip over {} links\n", c.link.bandwidth_gbps_per_chip,
             c.link.links_per_chip);
  fmt::print("  Collectives {} CC-cores: {} DMA ring(s) per core ({:.0f} GB/s per rank); start {} ns, {} ns per "
             "step; mesh <= {} B, rdh <= {} B, ring above\n",
             c.collectives.cc_cores, sim::collective_rings(c),
             sim::collective_rings(c) * c.dma.bytes_per_ns_per_engine, c.collectives.start_ns,
             c.collectives.hop_latency_ns, c.collectives.mesh_max_bytes, c.collectives.rdh_max_bytes);
  fmt::print("  Logical NeuronCores  LNC {} by default (1 .. {} supported)\n\n", c.lnc_default, c.lnc_max);

  fmt::print("Engines (per core)\n");
  fmt::print("  tensor  {:>5.2f} GHz  {}x{} PE array; matmul II max(N, {}) cycles x dtype factor "
             "(FP32 x{}, FP8 x{}); LoadStationary {} cycles, in the background\n",
             c.tensor.clock_ghz, c.tensor.rows, c.tensor.cols, c.tensor.min_issue_cycles,
             c.tensor.fp32_factor, c.tensor.fp8_factor, c.tensor.load_stationary_fast_cycles);
  fmt::print("  {:<7} {:>9}  {:>4}  {:>14}  {:>17}  {:>8}  {:>6}\n", "", "clock", "lanes",
             "elem/cyc 16/8/32", "Gelem/s 16b / 32b", "overhead", "min II");
  print_engine("vector", c.vector);
  print_engine("scalar", c.scalar);
  print_engine("gpsimd", c.gpsimd);
  fmt::print("  {} semaphores per core, {} registers per engine\n", c.semaphores_per_core,
             c.registers_per_engine);
}

ordered_json engine_json(const arch::StreamEngine& e) {
  return {{"clock_ghz", e.clock_ghz},
          {"lanes", e.lanes},
          {"elems_per_cycle_per_lane", {{"16bit", e.elems_per_cycle_16bit},
                                        {"8bit", e.elems_per_cycle_8bit},
                                        {"other", e.elems_per_cycle_other}}},
          {"gelems_per_s_core_16bit", e.clock_ghz * e.lanes * e.elems_per_cycle_16bit},
          {"gelems_per_s_core_other", e.clock_ghz * e.lanes * e.elems_per_cycle_other},
          {"fixed_overhead_cycles", e.fixed_overhead_cycles},
          {"min_cycles", e.min_cycles}};
}

ordered_json to_json(const ChipConfig& c, const Peaks& p) {
  auto tf = [](double core, double chip, double pub) {
    return ordered_json{{"per_core", core}, {"per_chip", chip}, {"published_per_chip", pub},
                        {"diff_pct", diff_pct(chip, pub)}};
  };
  ordered_json j;
  j["name"] = c.name;
  j["description"] = c.description;
  j["source"] = c.source_file;
  j["cores_per_chip"] = c.cores_per_chip;
  j["tensor_tflops"] = {
      {"bf16", tf(p.tensor_tflops_bf16_core, p.tensor_tflops_bf16_chip, c.published_bf16_tflops)},
      {"fp8", tf(p.tensor_tflops_fp8_core, p.tensor_tflops_fp8_chip, c.published_fp8_tflops)},
      {"fp32", tf(p.tensor_tflops_fp32_core, p.tensor_tflops_fp32_chip, c.published_fp32_tflops)}};
  j["hbm"] = {{"capacity_bytes", c.hbm.capacity_bytes},
              {"gbps_per_chip", p.hbm_gbps_chip},
              {"published_tbps", c.published_hbm_tbps}};
  j["dma"] = {{"engines_per_core", c.dma.engines_per_core},
              {"queues_per_engine", c.dma.queues_per_engine},
              {"bytes_per_ns_per_engine", c.dma.bytes_per_ns_per_engine},
              {"gbps_per_core", p.dma_gbps_core},
              {"gbps_per_chip", p.dma_gbps_chip},
              {"published_tbps", c.published_dma_tbps},
              {"fixed_latency_ns", c.dma.fixed_latency_ns}};
  j["sbuf"] = {{"partitions", c.sbuf.partitions},
               {"bytes_per_partition", c.sbuf.bytes_per_partition},
               {"bytes_per_core", c.sbuf.total_bytes()}};
  j["psum"] = {{"partitions", c.psum.partitions},
               {"bytes_per_partition", c.psum.bytes_per_partition},
               {"banks", c.psum.banks},
               {"bytes_per_core", c.psum.total_bytes()}};
  j["link"] = {{"gbps_per_chip", c.link.bandwidth_gbps_per_chip},
               {"links_per_chip", c.link.links_per_chip}};
  j["collectives"] = {{"cc_cores", c.collectives.cc_cores},
                      {"rings_per_rank", sim::collective_rings(c)},
                      {"start_ns", c.collectives.start_ns},
                      {"hop_latency_ns", c.collectives.hop_latency_ns},
                      {"mesh_max_bytes", c.collectives.mesh_max_bytes},
                      {"rdh_max_bytes", c.collectives.rdh_max_bytes}};
  j["lnc"] = {{"default", c.lnc_default}, {"max", c.lnc_max}};
  j["engines"] = {{"tensor", {{"clock_ghz", c.tensor.clock_ghz},
                              {"rows", c.tensor.rows},
                              {"cols", c.tensor.cols},
                              {"min_issue_cycles", c.tensor.min_issue_cycles},
                              {"fp32_factor", c.tensor.fp32_factor},
                              {"fp8_factor", c.tensor.fp8_factor}}},
                  {"vector", engine_json(c.vector)},
                  {"scalar", engine_json(c.scalar)},
                  {"gpsimd", engine_json(c.gpsimd)}};
  return j;
}

struct InfoOpts {
  std::string chip;
  bool json = false;
};

Run setup_info(CLI::App& app) {
  auto o = std::make_shared<InfoOpts>();
  app.add_option("chip", o->chip, "chip (trn2) or chip system (trn2.48xlarge) name, or path to a hw .toml file");
  app.add_flag("--json", o->json, "machine-readable JSON output");
  return [o]() {
    if (o->chip.empty()) return list_chips(o->json);
    if (is_chip_system(o->chip, arch::ChipSearchPath::standard())) return print_chip_system_info(o->chip, o->json);
    ChipConfig c = arch::load_chip_by_name(o->chip);
    Peaks p = arch::derive_peaks(c);
    if (o->json) fmt::print("{}\n", to_json(c, p).dump(2));
    else print_text(c, p);
    return 0;
  };
}

Registrar reg{"info", "Print a chip's or chip system's derived peaks next to the published figures", setup_info};

}  // namespace
}  // namespace npulab::cli
