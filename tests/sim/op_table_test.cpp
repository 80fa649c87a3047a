// The facts a row of isa/opcodes.def states about an op agree with what its semantics,
// timing-only hook and cost function do. For every opcode the test finds a valid instance
// by itself (operand shapes and dtypes from a small menu, flags from the row, a few ALU
// ops; checked by isa::validate_instr and by the semantics accepting it), then checks:
//  - registers: only reg0 changes, and only if the row says T_WRITES_REG0;
//  - program counter: only ops with a TARGET field move it;
//  - memory: only bytes of operands whose role is W or RW change;
//  - kind: control semantics run without any memory (every mode); data semantics refuse
//    to run without it (they need values), and their hook (if the row names one) runs
//    without memory and defines the registers the op writes;
//  - cost: DMA kinds move bytes through a DMA engine with a fixed latency, nothing else does
//    (collectives move theirs on the collective engine's rings, timed by it);
//  - verifier: an op whose row names one has instances the verifier rejects.
// A new row needs no change here; an op the search cannot instantiate fails, naming it.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <vector>

#include "arch/chip.h"
#include "common/error.h"
#include "isa/asm.h"
#include "isa/opcode_table.h"
#include "isa/validate.h"
#include "isa/verify.h"
#include "sim/memory.h"
#include "sim/scheduler/dispatch.h"

namespace npulab::sim {
namespace {

using isa::Instr;
using isa::OpInfo;
using isa::Opcode;
using isa::OpKind;

const arch::ChipConfig& trn2() {
  static const arch::ChipConfig cfg = arch::load_chip_by_name("trn2");
  return cfg;
}

constexpr uint32_t kParts = 16;        // partitions a candidate may touch
constexpr uint64_t kBytes = 16 * 1024;  // bytes per partition the test memories have
constexpr uint64_t kHbmBytes = 1 << 20;
constexpr int64_t kRegBase = 100;      // register r holds kRegBase + r before an op runs

// The operand menu: [P, F] tiles of a few dtypes. Enough for every current op (matmul
// needs [8, 8] for [4, 8] x [4, 8]; transposes give [8, 4]; indices are i32 [P, 1]).
struct Shape {
  uint16_t parts;
  uint32_t free;
  DType dtype;
};
constexpr Shape kMenu[] = {{4, 8, DType::F32}, {4, 1, DType::F32}, {8, 8, DType::F32}, {8, 4, DType::F32},
                           {4, 8, DType::I32}, {4, 1, DType::I32}, {1, 1, DType::I32}, {4, 8, DType::BF16}};
constexpr size_t kMenuSize = std::size(kMenu);

// Operand `slot` with menu entry `m`, in the first space its role allows (SBUF, PSUM,
// HBM), each slot in its own bytes (PSUM: its own bank).
isa::TensorRef operand(const isa::OperandRole& role, int slot, const Shape& m) {
  isa::TensorRef r;
  r.space = role.spaces & isa::S_SBUF ? isa::Space::Sbuf : role.spaces & isa::S_PSUM ? isa::Space::Psum : isa::Space::Hbm;
  r.dtype = m.dtype;
  r.ndim = 1;
  r.part_count = m.parts;
  r.dims[0] = {1, m.free};
  r.offset = uint64_t(slot) * 2048;
  if (r.space == isa::Space::Hbm) r.part_stride = m.free;
  return r;
}

uint32_t default_stream(const OpInfo& info) {
  for (uint32_t s = 0; s < isa::kNumFixedStreams; ++s)
    if (info.engines & isa::engine_mask_of_stream(s)) return s;
  return isa::dma_stream(0);
}

// Memories, registers and pc an op runs against. The 32-bit words of memory start as
// (3p + i + 1) mod 4 (partition p, word i): valid indices for shuffle and reg_load, tiny
// floats elsewhere, and different along every axis so that an op that writes shows it.
struct Machine {
  Scratchpad sbuf{kParts, kBytes, true}, psum{kParts, kBytes, true};
  Hbm hbm{kHbmBytes, true};
  std::vector<int64_t> regs;
  uint32_t pc = 1;  // semantics run with pc already on the next instruction (of 4)

  Machine() : regs(trn2().registers_per_engine) {
    for (uint32_t p = 0; p < kParts; ++p)
      for (uint64_t b = 0; b < kBytes; b += 4) {
        const uint32_t w = uint32_t(3 * p + b / 4 + 1) % 4;  // not symmetric in (p, word)
        std::memcpy(sbuf.row(p) + b, &w, 4);
        std::memcpy(psum.row(p) + b, &w, 4);
      }
    std::vector<uint32_t> words(kHbmBytes / 4);
    for (size_t i = 0; i < words.size(); ++i) words[i] = uint32_t(i + 1) % 4;
    hbm.write(0, words.data(), kHbmBytes);
    for (size_t r = 0; r < regs.size(); ++r) regs[r] = kRegBase + int64_t(r);
  }
  ExecCtx ctx(uint32_t stream, bool with_memory) {
    ExecCtx c;
    c.chip = &trn2();
    if (with_memory) c.mem = {&sbuf, &psum, &hbm};
    c.regs = regs;
    c.stream = stream;
    c.regs_out = regs.data();
    c.pc = &pc;
    c.stream_size = 4;
    return c;
  }
  std::vector<uint8_t> snapshot() {
    std::vector<uint8_t> out;
    for (Scratchpad* sp : {&sbuf, &psum})
      for (uint32_t p = 0; p < kParts; ++p) out.insert(out.end(), sp->row(p), sp->row(p) + kBytes);
    std::vector<uint8_t> h(kHbmBytes);
    hbm.read(0, h.data(), kHbmBytes);
    out.insert(out.end(), h.begin(), h.end());
    return out;
  }
};

// Index into Machine::snapshot() of byte `b` of partition (row) p of operand r.
size_t snapshot_index(const isa::TensorRef& r, uint32_t p, uint64_t b) {
  const size_t spad = size_t(kParts) * kBytes;
  if (r.space == isa::Space::Hbm) return 2 * spad + size_t(r.offset + p * r.part_stride * dtype_size(r.dtype) + b);
  return (r.space == isa::Space::Psum ? spad : 0) + size_t(r.part_start + p) * kBytes + size_t(r.offset + b);
}

// Whether the semantics accept the instruction (run on a scratch machine).
bool semantics_accept(const Instr& in, uint32_t stream) {
  Machine m;
  ExecCtx c = m.ctx(stream, true);
  try {
    kSemTable[size_t(in.op)](in, c);
    return true;
  } catch (const Error&) {
    return false;
  }
}

struct Search {
  std::optional<Instr> valid;  // first instance validation and the semantics accept
  bool verifier_rejected = false;
};

// Every flag combination the row accepts (reserved flags excluded) x a few ALU ops x every
// menu entry per present operand, in a fixed order.
Search find_instance(Opcode op) {
  const OpInfo& info = isa::op_info(op);
  const uint32_t stream = default_stream(info);
  std::vector<uint32_t> bits;
  for (const isa::FlagInfo& f : isa::flag_infos())
    if ((info.flags & f.bit) && !f.reserved) bits.push_back(f.bit);
  // ALU fields: a pass-through, an arithmetic op and a comparison (reductions and masks
  // take only some).
  const isa::AluOp alus[] = {isa::AluOp::bypass, isa::AluOp::add, isa::AluOp::is_ge};
  const size_t num_alus = info.lists(isa::Field::alu0) ? std::size(alus) : 1;
  Search out;
  for (uint32_t variant = 0; variant < (1u << bits.size()) * num_alus; ++variant) {
    const uint32_t subset = variant / uint32_t(num_alus);
    Instr base;
    base.op = op;
    base.alu0 = alus[variant % num_alus];
    for (size_t i = 0; i < bits.size(); ++i)
      if (subset & (1u << i)) base.flags |= bits[i];
    if (info.lists(isa::Field::reg0)) base.reg0 = 1;
    if (info.kind == OpKind::Control) {  // a taken branch to 3; a value that changes r1
      if (info.lists(isa::Field::iimm0)) base.iimm0 = 1000;
      if (info.lists(isa::Field::iimm1)) base.iimm1 = 3;
    }
    if (info.kind == OpKind::Collective) base.iimm0 = 1;  // group: the harness's core 0 alone
    int slots[4], n = 0;
    for (int k = 0; k < info.num_operands; ++k)
      if (isa::operand_presence(op, k, base.flags) == isa::OperandPresence::Required) slots[n++] = k;
    size_t total = 1;
    for (int i = 0; i < n; ++i) total *= kMenuSize;
    for (size_t code = 0; code < total; ++code) {
      Instr in = base;
      size_t c = code;
      for (int i = 0; i < n; ++i, c /= kMenuSize)
        in.t[slots[i]] = operand(info.operands[slots[i]], slots[i], kMenu[c % kMenuSize]);
      try {
        isa::verify_shape(isa::VerifyCtx{in, stream, trn2()});
      } catch (const Error&) {
        out.verifier_rejected = true;
        continue;
      }
      try {
        isa::validate_instr(in, stream, trn2());
      } catch (const Error&) {
        continue;
      }
      if (!out.valid && semantics_accept(in, stream)) out.valid = in;
      if (out.valid && (out.verifier_rejected || !info.verify)) return out;
    }
  }
  return out;
}

class OpTable : public ::testing::TestWithParam<size_t> {};

TEST_P(OpTable, RowAgreesWithSemanticsHookAndCost) {
  const Opcode op = Opcode(GetParam());
  const OpInfo& info = isa::op_info(op);
  const uint32_t stream = default_stream(info);
  const Search found = find_instance(op);
  ASSERT_TRUE(found.valid.has_value()) << info.name
                                       << ": no valid instance from the operand menu; extend kMenu in this test";
  const Instr& in = *found.valid;
  SCOPED_TRACE(isa::to_text(in));
  if (info.verify) EXPECT_TRUE(found.verifier_rejected) << "the row's verifier rejects nothing";

  // Functional semantics: registers, pc and memory against the row.
  Machine m;
  const std::vector<uint8_t> before = m.snapshot();
  ExecCtx ctx = m.ctx(stream, true);
  kSemTable[size_t(op)](in, ctx);
  for (size_t r = 0; r < m.regs.size(); ++r) {
    const bool may_change = info.writes_reg0() && r == in.reg0;
    if (!may_change) EXPECT_EQ(m.regs[r], kRegBase + int64_t(r)) << "register r" << r << " written";
    else EXPECT_NE(m.regs[r], kRegBase + int64_t(r)) << "T_WRITES_REG0 but r" << r << " kept its value";
  }
  EXPECT_EQ(m.pc != 1, info.has_target()) << "pc moved " << m.pc;
  std::vector<bool> writable(before.size(), false);
  for (int k = 0; k < info.num_operands; ++k) {
    const isa::TensorRef& t = in.t[k];
    if (!t.used() || info.operands[k].access == isa::Access::R) continue;
    const uint64_t row = t.free_elems() * dtype_size(t.dtype);  // contiguous candidates
    for (uint32_t p = 0; p < t.part_count; ++p)
      for (uint64_t b = 0; b < row; ++b) writable[snapshot_index(t, p, b)] = true;
  }
  const std::vector<uint8_t> after = m.snapshot();
  size_t stray = 0;
  for (size_t i = 0; i < after.size(); ++i) stray += after[i] != before[i] && !writable[i];
  EXPECT_EQ(stray, 0u) << "bytes changed outside the operands the row marks W/RW";

  // Kind: what runs without values.
  Machine bare;
  ExecCtx nomem = bare.ctx(stream, false);
  if (info.kind == OpKind::Control) {
    EXPECT_NO_THROW(kSemTable[size_t(op)](in, nomem)) << "control semantics must run in timing-only mode";
  } else {
    EXPECT_THROW(kSemTable[size_t(op)](in, nomem), Error) << "data semantics ran without memory";
    bare.regs.assign(bare.regs.size(), kRegBase);
    if (const SemFn hook = kTimingHookTable[size_t(op)]) {
      EXPECT_TRUE(info.timing_hook);
      hook(in, nomem);
      for (size_t r = 0; r < bare.regs.size(); ++r)
        EXPECT_EQ(bare.regs[r], info.writes_reg0() && r == in.reg0 ? 0 : kRegBase) << "timing-only r" << r;
    } else {
      EXPECT_FALSE(info.timing_hook);
    }
  }

  // Cost: the DMA kind is the one that moves bytes through a DMA engine.
  TensorEngineState pe;
  CostCtx cctx{&trn2(), m.regs, stream == uint32_t(isa::Stream::PE) ? &pe : nullptr, stream};
  const Cost c = kCostTable[size_t(op)](in, cctx);
  EXPECT_GT(c.busy_ns, 0.0);
  if (info.kind == OpKind::Dma) {
    EXPECT_GT(c.dma_bytes, 0u);
    EXPECT_GT(c.dma_fixed_ns, 0.0);
  } else if (info.kind == OpKind::Collective) {  // its DMA rings' start is collectives.start_ns
    EXPECT_EQ(c.dma_fixed_ns, 0.0);
  } else {
    EXPECT_EQ(c.dma_bytes, 0u);
    EXPECT_EQ(c.dma_fixed_ns, 0.0);
  }
  if (info.kind == OpKind::Control) EXPECT_EQ(c.flops, 0.0);
}

INSTANTIATE_TEST_SUITE_P(EveryOpcode, OpTable, ::testing::Range(size_t(0), size_t(Opcode::kCount)),
                         [](const ::testing::TestParamInfo<size_t>& p) {
                           return std::string(isa::op_info(Opcode(p.param)).name);
                         });

}  // namespace
}  // namespace npulab::sim
