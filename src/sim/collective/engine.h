// The chip's collective engine as the scheduler drives it (sim/scheduler/event_loop.cpp).
//
// Rendezvous: the k-th collective a core issues with a given group (bit mask of cores) is
// collective (group, k); it starts when every core of the group has issued it, whatever
// order they arrive in. Participants must agree on the opcode, reduction op, dtype and
// sizes; a disagreement is an error naming both instructions.
//
// Timing: the plan's steps (plan.h) run one after another. A step starts `hop_latency_ns`
// after the previous one ended (the first one `start_ns + hop_latency_ns` after the last
// rank arrived); in it every rank moves its bytes, split evenly over its DMA rings, as
// transfers of the shared bandwidth model (bandwidth.h) on the last `rings` DMA engines of
// its core, so they share those engines with the core's DMA queues and HBM with the whole
// chip. The step ends when the last transfer does; every participant completes when the
// last step ends.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "arch/chip.h"
#include "isa/instr.h"
#include "sim/collective/plan.h"
#include "sim/scheduler/bandwidth.h"

namespace npulab::sim {

class CollectiveEngine {
 public:
  struct Arrival {
    uint32_t g = 0, core = 0, stream = 0, pc = 0;  // global stream id and where it is
    const isa::Instr* in = nullptr;
    uint64_t offsets[4] = {0, 0, 0, 0};  // effective operand offsets (registers applied)
    int64_t at_ps = 0;
  };
  // `xfer_base`: transfer ids [xfer_base, xfer_base + transfer_ids()) of the DmaFluid are
  // this engine's (one per core and ring).
  CollectiveEngine(const arch::ChipConfig& chip, const isa::Executable& exe, uint32_t xfer_base);
  uint32_t transfer_ids() const { return cores_ * rings_; }
  bool owns(uint32_t xfer_id) const { return xfer_id >= base_ && xfer_id < base_ + transfer_ids(); }

  // A participant issued its collective. Returns the collective's id when it was the last
  // one (then members(id) are all there, in rank order), else -1. Throws npulab::Error on
  // a disagreement with the participants that arrived before.
  int64_t arrive(const Arrival& a);
  const std::vector<Arrival>& members(uint32_t id) const { return colls_[id].members; }
  const CollectivePlan& plan(uint32_t id) const { return colls_[id].plan; }
  // When the first step of a just-complete collective starts (ps).
  int64_t first_step_at(uint32_t id) const;
  // Starts step `next step` of collective `id` at `now` (its transfers enter `dma`).
  void start_step(uint32_t id, int64_t now, DmaFluid& dma);
  // Transfer `xfer_id` finished at `now`. Returns the collective whose step it ended, or -1.
  int64_t transfer_done(uint32_t xfer_id);
  // After a step ended at `now`: the time the next one starts, or -1 when that was the last.
  int64_t next_step_at(uint32_t id, int64_t now) const;
  int64_t xfer_started_ps(uint32_t xfer_id) const { return xfer_start_[xfer_id - base_]; }
  // The participant whose piece transfer `xfer_id` carries (errors name its instruction).
  const Arrival& xfer_member(uint32_t xfer_id) const;
  // The participants still waiting for others (deadlock reports): each with what it waits
  // for ("collective #0 of group {0,1}, not issued by core 1").
  std::vector<std::pair<const Arrival*, std::string>> waiting() const;

 private:
  struct Coll {
    uint64_t group = 0, seq = 0;
    uint32_t ranks = 0, arrived = 0;
    std::vector<Arrival> members;  // by rank (valid once arrived)
    std::vector<bool> here;
    CollectivePlan plan;
    size_t step = 0;               // next step to start
    uint32_t pending = 0;          // transfers of the running step not finished
  };
  const arch::ChipConfig& chip_;
  const isa::Executable& exe_;
  uint32_t base_, cores_, rings_;
  std::vector<std::map<uint64_t, uint64_t>> issued_;       // [core][group] -> collectives issued
  std::map<std::pair<uint64_t, uint64_t>, uint32_t> open_;  // (group, seq) -> id, not yet complete
  std::vector<Coll> colls_;
  std::vector<uint32_t> xfer_owner_;  // [transfer slot] -> collective id
  std::vector<int64_t> xfer_start_;
};

}  // namespace npulab::sim
