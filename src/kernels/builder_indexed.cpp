// Builder::load_indexed: a load whose HBM source is chosen at run time by an int32 in SBUF
// (MoE: the index of a routed expert). Every DMA piece of the transfer is preceded, on its
// own queue, by a reg_load of the index into register `reg` of that queue; the piece's
// source offset becomes base + regs[reg] * stride. Queues, pieces and waits follow
// dma_copy (same queue-set rotation, one semaphore per set); the reg_load carries the
// piece's waits, so it runs once the index is written and the destination is free.
// A queue whose register already holds the same index word loaded in the same `epoch`
// skips the reg_load (the caller starts a new epoch whenever the index may be rewritten):
// one reg_load per queue per expert pass instead of one per DMA piece.
#include <fmt/format.h>

#include "common/error.h"
#include "kernels/builder.h"

namespace npulab::kernels {

using isa::Instr;
using isa::Opcode;
using isa::Space;

void Builder::load_indexed(const Tile& dst, const isa::TensorRef& src, const Tile& index, uint8_t reg, int64_t stride,
                           uint64_t epoch) {
  if (finished_) fail("kernel '{}': builder already finished", exe_.name);
  check_on_chip(dst, "load_indexed", "dst");
  check_on_chip(index, "load_indexed", "index");
  const isa::TensorRef& ix = index.ref();
  if (ix.space != Space::Sbuf || ix.dtype != DType::I32 || ix.part_count != 1 || ix.free_elems() != 1)
    fail("kernel '{}': load_indexed index '{}' must be one i32 element in SBUF", exe_.name, index.name());
  if (src.space != Space::Hbm || src.offset_reg >= 0)
    fail("kernel '{}': load_indexed source must be a static HBM view", exe_.name);
  if (reg >= chip_.registers_per_engine)
    fail("kernel '{}': load_indexed register r{} does not exist ({} per engine)", exe_.name, reg,
         chip_.registers_per_engine);
  if (dst.partitions() != src.part_count || dst.ref().free_elems() != src.free_elems())
    fail("kernel '{}': load_indexed shapes differ: dst {} partitions x {} elements, src {} x {}", exe_.name,
         dst.partitions(), dst.ref().free_elems(), src.part_count, src.free_elems());
  const uint32_t E = chip_.dma.engines_per_core;
  const uint32_t nsets = opts_.dma_queue_sets;
  const uint32_t store_sets = nsets >= 4 ? std::max<uint32_t>(1, nsets / 4) : 0;
  const uint32_t set = next_set_++ % (nsets - store_sets);  // a load: the load sets
  const uint32_t ls = isa::kNumFixedStreams + set;
  const int64_t prev = count_[ls];
  // The source region is tracked at its static (index 0) address only: indexed sources
  // must be read-only in the program (weights), as the address read is known at run time.
  const Region ri = region_of(ix, deps_.bytes_per_partition(Space::Sbuf));
  WaitSet all(num_sems_);
  const auto pieces = split_dma(dst.ref(), src);
  for (const auto& [pd, ps] : pieces) {
    const uint32_t queue = set * E + (engine_cursor_++ % E);
    WaitSet ws(num_sems_);
    deps_.collect(ls, uint16_t(ls), region_of(pd, deps_.bytes_per_partition(pd.space)), true, ws);
    deps_.collect(ls, uint16_t(ls), region_of(ps, deps_.bytes_per_partition(ps.space)), false, ws);
    deps_.collect(ls, uint16_t(ls), ri, false, ws);
    if (prev > 0) ws.need({uint16_t(ls), prev});
    deps_.prune(ls, ws);
    if (prog_.streams.size() < isa::dma_stream(queue + 1)) prog_.streams.resize(isa::dma_stream(queue + 1));
    auto& stream = prog_.streams[isa::dma_stream(queue)];
    // The queue's register already holds this index (same word, same epoch): no reload.
    if (indexed_regs_.size() <= queue) indexed_regs_.resize(queue + 1);
    IndexedReg& held = indexed_regs_[queue];
    const IndexedReg want{true, reg, ix.part_start, ix.offset, epoch};
    const bool reload = !(held == want);
    held = want;
    Instr first;  // carries the piece's waits: the reg_load, or the DMA when none is needed
    first.op = reload ? Opcode::reg_load : Opcode::dma_copy;
    Instr dm;
    dm.op = Opcode::dma_copy;
    dm.t[0] = pd;
    dm.t[1] = ps;
    dm.t[1].offset_reg = int8_t(reg);
    dm.t[1].offset_reg_scale = stride;
    dm.signal = int16_t(ls);
    if (reload) {
      first.reg0 = reg;
      first.t[0] = ix;
    } else {
      first = dm;
    }
    for (const Completion& c : ws.list()) {
      if (first.num_waits == isa::kMaxWaits) {  // extra waits ride on a nop before it
        Instr nop;
        nop.op = Opcode::nop;
        nop.num_waits = first.num_waits;
        nop.waits = first.waits;
        stream.push_back(nop);
        ++stats_.nops;
        ++stats_.instrs;
        first.num_waits = 0;
      }
      first.waits[first.num_waits++] = {c.sem, -1, c.value, 0};
      waited_on_[c.sem] = true;
      all.need(c);
      ++stats_.waits;
    }
    stream.push_back(first);
    ++stats_.instrs;
    if (reload) {
      stream.push_back(dm);
      ++stats_.instrs;
    }
  }
  ++stats_.dma_groups;
  deps_.learn(ls, all);
  count_[ls] += int64_t(pieces.size());
  const Completion me{uint16_t(ls), count_[ls]};
  deps_.completed(ls, me);
  deps_.record(ri, false, me);
  deps_.record(region_of(src, deps_.bytes_per_partition(Space::Hbm)), false, me);
  deps_.record(region_of(dst.ref(), deps_.bytes_per_partition(Space::Sbuf)), true, me);
}

}  // namespace npulab::kernels
