// Run statistics formatting (see stats.h). Peaks for the "% of peak" figures come from
// arch::derive_peaks, scaled to the cores the program used.
#include "sim/stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace npulab::sim {

uint32_t cores_used(const SimResult& r) {
  std::set<uint32_t> cores;
  for (const auto& s : r.streams)
    if (s.instrs) cores.insert(s.core);
  return uint32_t(cores.size());
}

namespace {
double pct(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }
}  // namespace

std::string format_stats(const SimResult& r, const arch::ChipConfig& chip) {
  const arch::Peaks pk = arch::derive_peaks(chip);
  const uint32_t cores = std::max(1u, cores_used(r));
  const double peak_bf16 = pk.tensor_tflops_bf16_core * cores;
  std::string out;
  auto line = [&]<typename... A>(fmt::format_string<A...> f, A&&... args) {
    fmt::format_to(std::back_inserter(out), f, std::forward<A>(args)...);
  };
  line("total time      {:.3f} us\n", r.total_ns / 1e3);
  line("instructions    {}\n", r.instrs);
  line("matmul FLOPs    {:.4g}  ->  {:.2f} TFLOPS ({:.1f}% of the BF16 peak of {} core{}, {:.1f} TFLOPS)\n",
       r.flops, r.achieved_tflops(), pct(r.achieved_tflops(), peak_bf16), cores,
       cores == 1 ? "" : "s", peak_bf16);
  line("HBM traffic     {:.4g} B read, {:.4g} B written  ->  {:.1f} GB/s ({:.1f}% of {:.0f} GB/s)\n",
       r.hbm_bytes_read, r.hbm_bytes_written, r.hbm_gbps(), pct(r.hbm_gbps(), chip.hbm.bandwidth_gbps),
       chip.hbm.bandwidth_gbps);
  line("\n{:<14} {:>12} {:>7} {:>10}\n", "stream", "busy (us)", "busy %", "instrs");
  for (const auto& s : r.streams)
    line("{:<14} {:>12.3f} {:>6.1f}% {:>10}\n", s.name, s.busy_ns / 1e3, pct(s.busy_ns, r.total_ns),
         s.instrs);
  if (!r.races.empty()) {
    line("\n{} race report{}:\n", r.races.size(), r.races.size() == 1 ? "" : "s");
    for (const auto& x : r.races) line("  {}\n", x.message);
  }
  return out;
}

nlohmann::json stats_to_json(const SimResult& r, const arch::ChipConfig& chip) {
  const arch::Peaks pk = arch::derive_peaks(chip);
  const uint32_t cores = std::max(1u, cores_used(r));
  nlohmann::json j;
  j["chip"] = chip.name;
  j["total_ns"] = r.total_ns;
  j["instructions"] = r.instrs;
  j["flops"] = r.flops;
  j["tflops"] = r.achieved_tflops();
  j["bf16_peak_tflops"] = pk.tensor_tflops_bf16_core * cores;
  j["hbm_bytes_read"] = r.hbm_bytes_read;
  j["hbm_bytes_written"] = r.hbm_bytes_written;
  j["hbm_gbps"] = r.hbm_gbps();
  j["hbm_peak_gbps"] = chip.hbm.bandwidth_gbps;
  j["streams"] = nlohmann::json::array();
  for (const auto& s : r.streams)
    j["streams"].push_back({{"name", s.name},
                            {"core", s.core},
                            {"stream", s.stream},
                            {"busy_ns", s.busy_ns},
                            {"busy_pct", pct(s.busy_ns, r.total_ns)},
                            {"instructions", s.instrs}});
  j["races"] = nlohmann::json::array();
  for (const auto& x : r.races) j["races"].push_back(x.message);
  return j;
}

}  // namespace npulab::sim
