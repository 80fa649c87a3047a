// Collective algorithms as steps (see plan.h).
#include "sim/collective/plan.h"

#include <algorithm>
#include <bit>

namespace npulab::sim {

std::string_view collective_algo_name(CollectiveAlgo a) {
  switch (a) {
    case CollectiveAlgo::Local: return "local";
    case CollectiveAlgo::Mesh: return "mesh";
    case CollectiveAlgo::Rdh: return "rdh";
    case CollectiveAlgo::Ring: return "ring";
  }
  return "?";
}

uint64_t CollectivePlan::bytes_per_rank() const {
  uint64_t n = 0;
  for (const auto& s : steps) n += s.bytes;
  return n;
}

uint64_t CollectivePlan::hbm_bytes_per_rank() const {
  uint64_t n = 0;
  for (const auto& s : steps) n += s.hbm_read() + s.hbm_write();
  return n;
}

uint32_t collective_rings(const arch::ChipConfig& chip) {
  const uint32_t per_core = chip.cores_per_chip ? chip.collectives.cc_cores / chip.cores_per_chip : 1;
  return std::clamp<uint32_t>(per_core, 1, std::max<uint32_t>(1, chip.dma.engines_per_core));
}

double bus_factor(CollectiveKind kind, uint32_t n) {
  if (n <= 1) return 0;
  const double f = double(n - 1) / double(n);
  return kind == CollectiveKind::AllReduce ? 2 * f : f;
}

double collective_piece_ns(const arch::ChipConfig& chip, const CollectivePlan& plan, const CollectiveStep& step) {
  const uint32_t R = std::max<uint32_t>(plan.rings, 1);
  const uint64_t bytes = (step.bytes + R - 1) / R;
  const uint32_t desc = (step.descriptors + R - 1) / R;
  return double(desc) * chip.dma.descriptor_ns + double(bytes) / chip.dma.bytes_per_ns_per_engine;
}

double collective_uncontended_ns(const arch::ChipConfig& chip, const CollectivePlan& plan) {
  double t = chip.collectives.start_ns;
  for (const auto& s : plan.steps) t += chip.collectives.hop_latency_ns + collective_piece_ns(chip, plan, s);
  return t;
}

namespace {

// Reduce-scatter / all-gather phases of `total` bytes split into n chunks of `c` bytes.
void ring_phase(std::vector<CollectiveStep>& out, uint32_t n, uint64_t c, bool reduce) {
  for (uint32_t i = 0; i + 1 < n; ++i) out.push_back({c, 1, reduce});
}
void mesh_phase(std::vector<CollectiveStep>& out, uint32_t n, uint64_t c, bool reduce) {
  out.push_back({uint64_t(n - 1) * c, n - 1, reduce});
}
// Recursive halving (reduce: pieces n/2 c, n/4 c, ..., c) or doubling (copy: c, 2c, ...).
void rdh_phase(std::vector<CollectiveStep>& out, uint32_t n, uint64_t c, bool reduce) {
  const uint32_t k = uint32_t(std::countr_zero(n));
  for (uint32_t i = 0; i < k; ++i) {
    const uint64_t piece = c * (reduce ? uint64_t(n) >> (i + 1) : uint64_t(1) << i);
    out.push_back({piece, 1, reduce});
  }
}

}  // namespace

CollectivePlan plan_collective(const arch::ChipConfig& chip, CollectiveKind kind, uint32_t n,
                               uint64_t message_bytes, uint32_t elem_bytes) {
  CollectivePlan p;
  p.rings = collective_rings(chip);
  const uint64_t eb = std::max<uint32_t>(elem_bytes, 1);
  const uint64_t elems = message_bytes / eb;
  if (n <= 1) {  // one rank: the engine copies the source to the destination
    p.algo = CollectiveAlgo::Local;
    p.steps.push_back({message_bytes, 1, false});
    return p;
  }
  // Chunk: one rank's share, in whole elements (the largest share when they are uneven).
  const uint64_t c = (elems + n - 1) / n * eb;
  const auto& cc = chip.collectives;
  const bool pow2 = std::has_single_bit(n);
  if (kind == CollectiveKind::AllToAll || message_bytes <= cc.mesh_max_bytes)
    p.algo = CollectiveAlgo::Mesh;
  else if (pow2 && message_bytes <= cc.rdh_max_bytes)
    p.algo = CollectiveAlgo::Rdh;
  else
    p.algo = CollectiveAlgo::Ring;
  auto phase = [&](bool reduce) {
    switch (p.algo) {
      case CollectiveAlgo::Mesh: mesh_phase(p.steps, n, c, reduce); break;
      case CollectiveAlgo::Rdh: rdh_phase(p.steps, n, c, reduce); break;
      default: ring_phase(p.steps, n, c, reduce); break;
    }
  };
  switch (kind) {
    case CollectiveKind::AllReduce:  // reduce-scatter, then all-gather of the reduced chunks
      phase(true);
      phase(false);
      break;
    case CollectiveKind::ReduceScatter: phase(true); break;
    case CollectiveKind::AllGather:
    case CollectiveKind::AllToAll:
      // Each rank's own chunk is also copied into its destination, with the first step.
      phase(false);
      p.steps.front().bytes += c;
      p.steps.front().descriptors += 1;
      break;
  }
  return p;
}

}  // namespace npulab::sim
