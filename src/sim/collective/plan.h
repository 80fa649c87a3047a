// How the chip's collective engine carries out one collective among n cores (ranks): the
// algorithm and its steps, the same for every rank (the algorithms are symmetric). A step
// moves `bytes` per rank over the rank's DMA rings, HBM to HBM, after the step's hop
// latency; `reduce` steps accumulate what arrives into what is there (HBM: read both,
// write one), copy steps read and write once. Every algorithm moves the bandwidth-optimal
// bytes per rank (all-reduce 2(n-1)/n of the message, the others (n-1)/n, plus a local copy
// where the source is not already in place); they differ in their number of steps, i.e.
// in latency. The algorithm is chosen by message size as the Neuron runtime does on Trn2
// (hw collectives.mesh_max_bytes / rdh_max_bytes; REFERENCES.md NC §2): mesh (one step per
// phase), recursive halving/doubling (log2 n steps per phase, power-of-two groups), ring
// (n - 1 steps per phase). docs/SIMULATOR.md, "Collectives".
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "arch/chip.h"

namespace npulab::sim {

enum class CollectiveKind : uint8_t { AllReduce, AllGather, ReduceScatter, AllToAll };
enum class CollectiveAlgo : uint8_t { Local, Mesh, Rdh, Ring };
std::string_view collective_algo_name(CollectiveAlgo a);  // "local", "mesh", "rdh", "ring"

struct CollectiveStep {
  uint64_t bytes = 0;        // moved per rank in this step
  uint32_t descriptors = 1;  // contiguous pieces per rank (one per chunk sent or received)
  bool reduce = false;       // accumulate into the destination
  uint64_t hbm_read() const { return reduce ? 2 * bytes : bytes; }
  uint64_t hbm_write() const { return bytes; }
};

struct CollectivePlan {
  CollectiveAlgo algo = CollectiveAlgo::Local;
  std::vector<CollectiveStep> steps;
  uint32_t rings = 1;  // DMA rings (engines) per rank
  uint64_t bytes_per_rank() const;
  uint64_t hbm_bytes_per_rank() const;  // read + write
};

// The message is what nccom-test calls the size: the source of all-reduce, reduce-scatter
// and all-to-all, the destination of all-gather (bytes, all ranks' share together where
// it is split); elem_bytes is the dtype's size (chunks are whole elements).
CollectivePlan plan_collective(const arch::ChipConfig& chip, CollectiveKind kind, uint32_t ranks,
                               uint64_t message_bytes, uint32_t elem_bytes);

// DMA rings of one rank: cc_cores / cores_per_chip of its core's DMA engines (at least 1,
// at most its engines).
uint32_t collective_rings(const arch::ChipConfig& chip);

// DMA-engine work of one ring's piece of a step (ns): its descriptors and bytes at the
// engine's bandwidth, as a DMA (sim/cost/dma.cpp).
double collective_piece_ns(const arch::ChipConfig& chip, const CollectivePlan& plan, const CollectiveStep& step);
// The collective's time with the chip to itself: start, then per step the hop latency and
// the transfer (ring pieces in parallel). A lower bound of the simulated time.
double collective_uncontended_ns(const arch::ChipConfig& chip, const CollectivePlan& plan);

// The algorithm's bus-bandwidth factor (nccom-test / nccl-tests): busbw = algbw * factor,
// 2(n-1)/n for all-reduce, (n-1)/n for the others.
double bus_factor(CollectiveKind kind, uint32_t ranks);

}  // namespace npulab::sim
