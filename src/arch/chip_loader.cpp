// load_chip: hw/<name>.toml -> ChipConfig. The TOML has one table per struct of chip.h
// and every key is required (a chip description with a silently defaulted number would
// produce plausible but wrong timings). Key meanings: docs/HARDWARE.md.
#include <fmt/format.h>

#include <cmath>

#include "arch/chip.h"
#include "arch/toml_reader.h"
#include "common/error.h"

namespace npulab::arch {
namespace {

StreamEngine read_stream_engine(TomlTableReader r) {
  StreamEngine e;
  e.clock_ghz = r.real("clock_ghz");
  e.lanes = r.u32("lanes");
  e.elems_per_cycle_16bit = r.real("elems_per_cycle_16bit");
  e.elems_per_cycle_8bit = r.real("elems_per_cycle_8bit");
  e.elems_per_cycle_other = r.real("elems_per_cycle_other");
  e.fixed_overhead_cycles = r.u32("fixed_overhead_cycles");
  e.min_cycles = r.u32("min_cycles");
  r.finish();
  return e;
}

TensorEngine read_tensor(TomlTableReader r) {
  TensorEngine t;
  t.clock_ghz = r.real("clock_ghz");
  t.rows = r.u32("rows");
  t.cols = r.u32("cols");
  t.max_moving_free = r.u32("max_moving_free");
  t.min_issue_cycles = r.u32("min_issue_cycles");
  t.fp32_factor = r.real("fp32_factor");
  t.fp8_factor = r.real("fp8_factor");
  t.load_stationary_fast_cycles = r.u32("load_stationary_fast_cycles");
  t.fixed_overhead_cycles = r.u32("fixed_overhead_cycles");
  r.finish();
  return t;
}

Memory2D read_memory(TomlTableReader r, bool banked) {
  Memory2D m;
  m.partitions = r.u32("partitions");
  m.bytes_per_partition = r.u64("bytes_per_partition");
  if (banked) m.banks = r.u32("banks");  // SBUF has no banks: rejected as unknown
  m.access_overhead_cycles = r.u32("access_overhead_cycles");
  r.finish();
  if (banked && m.bytes_per_partition % m.banks != 0)
    fail("{}: expected a divisor of bytes_per_partition ({}), got {}", r.where("banks"),
         m.bytes_per_partition, m.banks);
  return m;
}

Dma read_dma(TomlTableReader r) {
  Dma d;
  d.engines_per_core = r.u32("engines_per_core");
  d.queues_per_engine = r.u32("queues_per_engine");
  d.bytes_per_ns_per_engine = r.real("bytes_per_ns_per_engine");
  d.fixed_latency_ns = r.real("fixed_latency_ns");
  d.descriptor_ns = r.real("descriptor_ns");
  d.min_efficient_bytes = r.u32("min_efficient_bytes");
  r.finish();
  return d;
}

Hbm read_hbm(TomlTableReader r) {
  Hbm h;
  h.capacity_bytes = r.u64("capacity_bytes");
  h.bandwidth_gbps = r.real("bandwidth_gbps");
  r.finish();
  return h;
}

Link read_link(TomlTableReader r) {
  Link l;
  l.bandwidth_gbps_per_chip = r.real("bandwidth_gbps_per_chip");
  l.links_per_chip = r.u32("links_per_chip");
  r.finish();
  return l;
}

Collectives read_collectives(TomlTableReader r) {
  Collectives c;
  c.cc_cores = r.u32("cc_cores");
  c.start_ns = r.real("start_ns");
  c.hop_latency_ns = r.real("hop_latency_ns");
  c.mesh_max_bytes = r.u64("mesh_max_bytes");
  c.rdh_max_bytes = r.u64("rdh_max_bytes");
  r.finish();
  if (c.rdh_max_bytes < c.mesh_max_bytes)
    fail("{}: expected >= collectives.mesh_max_bytes ({}), got {}", r.where("rdh_max_bytes"), c.mesh_max_bytes,
         c.rdh_max_bytes);
  return c;
}

void read_chip(TomlTableReader r, ChipConfig& c) {
  c.name = r.string("name");
  c.description = r.string("description");
  c.cores_per_chip = r.u32("cores_per_chip");
  c.semaphores_per_core = r.u32("semaphores_per_core");
  c.registers_per_engine = r.u32("registers_per_engine");
  c.lnc_default = r.u32("lnc_default");
  c.lnc_max = r.u32("lnc_max");
  r.finish();
  if (c.lnc_max > c.cores_per_chip || c.cores_per_chip % c.lnc_max != 0)
    fail("{}: expected a divisor of cores_per_chip ({}), got {}", r.where("lnc_max"), c.cores_per_chip, c.lnc_max);
  if (c.lnc_default > c.lnc_max)
    fail("{}: expected <= lnc_max ({}), got {}", r.where("lnc_default"), c.lnc_max, c.lnc_default);
}

void read_published(TomlTableReader r, ChipConfig& c) {
  c.published_bf16_tflops = r.real("bf16_tflops");
  c.published_fp8_tflops = r.real("fp8_tflops");
  c.published_fp32_tflops = r.real("fp32_tflops");
  c.published_hbm_tbps = r.real("hbm_tbps");
  c.published_dma_tbps = r.real("dma_tbps");
  r.finish();
}

// Cross-table rules: the tensor array and PSUM must fit the partitions that feed them.
void check_consistency(const std::string& file, const ChipConfig& c) {
  if (c.tensor.rows > c.sbuf.partitions)
    fail("{}: tensor.rows: expected <= sbuf.partitions ({}), got {}", file, c.sbuf.partitions,
         c.tensor.rows);
  if (c.psum.partitions != c.sbuf.partitions)
    fail("{}: psum.partitions: expected == sbuf.partitions ({}), got {}", file,
         c.sbuf.partitions, c.psum.partitions);
  if (uint64_t{c.tensor.max_moving_free} * 4 > c.psum.bank_bytes())
    fail("{}: tensor.max_moving_free: expected <= one PSUM bank of FP32 ({} elements), got {}",
         file, c.psum.bank_bytes() / 4, c.tensor.max_moving_free);
  // A functional run holds the SBUF and PSUM of every core it uses in host memory (taken
  // from the OS untouched; sim/memory.h), so each is bounded as a whole too.
  constexpr uint64_t kMaxScratchpadBytes = uint64_t(4) << 30;
  for (auto [name, m] : {std::pair{"sbuf", &c.sbuf}, {"psum", &c.psum}})
    if (m->total_bytes() > kMaxScratchpadBytes)
      fail("{}: {}: partitions x bytes_per_partition = {} x {} exceeds 4 GiB per core (a functional run "
           "holds it in host memory)", file, name, m->partitions, m->bytes_per_partition);
  for (auto [name, e] : {std::pair{"vector", &c.vector}, {"scalar", &c.scalar},
                         {"gpsimd", &c.gpsimd}})
    if (e->lanes > c.sbuf.partitions)
      fail("{}: {}.lanes: expected <= sbuf.partitions ({}), got {}", file, name,
           c.sbuf.partitions, e->lanes);
}

}  // namespace

ChipConfig load_chip(const std::string& path) { return load_chip_from_string(read_hw_file(path), path); }

ChipConfig load_chip_from_string(std::string_view text, const std::string& path) {
  const toml::table root = parse_hw_text(text, path);
  check_top_level(path, root,
                  {"chip", "tensor", "vector", "scalar", "gpsimd", "sbuf", "psum", "dma", "hbm",
                   "link", "collectives", "published"});
  ChipConfig c;
  c.source_file = path;
  read_chip({path, root, "chip"}, c);
  c.tensor = read_tensor({path, root, "tensor"});
  c.vector = read_stream_engine({path, root, "vector"});
  c.scalar = read_stream_engine({path, root, "scalar"});
  c.gpsimd = read_stream_engine({path, root, "gpsimd"});
  c.sbuf = read_memory({path, root, "sbuf"}, /*banked=*/false);
  c.psum = read_memory({path, root, "psum"}, /*banked=*/true);
  c.dma = read_dma({path, root, "dma"});
  c.hbm = read_hbm({path, root, "hbm"});
  c.link = read_link({path, root, "link"});
  c.collectives = read_collectives({path, root, "collectives"});
  read_published({path, root, "published"}, c);
  check_consistency(path, c);
  return c;
}

}  // namespace npulab::arch
