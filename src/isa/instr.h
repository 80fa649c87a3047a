// The instruction format of the simulated NeuronCore. One Instr is one hardware
// instruction in one engine's (or DMA queue's) in-order stream. Field meanings per
// opcode come from opcodes.def; this header only defines the storage.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/checked.h"
#include "numerics/dtype.h"

namespace npulab::isa {

// ---------------------------------------------------------------- opcodes, from the table
enum class Opcode : uint8_t {
#define OP(name, ...) name,
#include "isa/opcodes.def"
#undef OP
  kCount
};

// ---------------------------------------------------------------- streams of a core
// Stream ids: fixed engines first, then DMA queues (as many as the program uses, up to
// the chip's dma.engines_per_core * dma.queues_per_engine). DMA queue q runs on DMA
// engine q % engines_per_core.
enum class Stream : uint8_t { PE = 0, DVE = 1, ACT = 2, POOL = 3, SP = 4, DMA0 = 5 };
constexpr uint32_t kNumFixedStreams = 5;
constexpr uint32_t dma_stream(uint32_t q) { return kNumFixedStreams + q; }
std::string stream_name(uint32_t stream);  // "pe", "dve", "act", "pool", "sp", "dma3"

// Engine masks used in opcodes.def.
enum EngineMask : uint32_t {
  E_PE = 1u << 0, E_DVE = 1u << 1, E_ACT = 1u << 2, E_POOL = 1u << 3, E_SP = 1u << 4,
  E_DMA = 1u << 5, E_ANY = 0x3f
};
constexpr uint32_t engine_mask_of_stream(uint32_t s) { return s < kNumFixedStreams ? (1u << s) : E_DMA; }

// ---------------------------------------------------------------- memory spaces
enum class Space : uint8_t { None = 0, Hbm = 1, Sbuf = 2, Psum = 3 };
enum SpaceMask : uint32_t { S_HBM = 1u << 1, S_SBUF = 1u << 2, S_PSUM = 1u << 3 };
std::string_view space_name(Space s);

// One free dimension of an access pattern: `size` elements, `stride` elements apart.
struct Dim {
  int32_t stride = 1;
  uint32_t size = 1;
};

// Largest free size (elements per partition, the product of the free dims) of an
// operand: a simulator limit (validation), so element and byte counts of any valid
// operand fit 64-bit arithmetic with room (< 2^32 x 2^16 partitions x 8 bytes).
constexpr uint64_t kMaxFreeElems = UINT32_MAX;

// A tensor operand: an access pattern [partitions] x up to 4 free dims.
//  SBUF/PSUM: partitions part_start .. part_start+part_count-1; in each, element
//    (i0..i3) is at byte  offset + sum_k i_k * dims[k].stride * dtype_size.
//  HBM: a flat byte address space; "partition" p is the row at
//    offset + p * part_stride * dtype_size, then the free dims as above.
//  part_bcast (SBUF/PSUM read operands only): a partition-broadcast view, NKI's
//    `tile[0:1, :].broadcast_to((P, F))`: each of the part_count partitions the engine
//    sees reads partition part_start's elements, so the operand touches one partition.
// The innermost dimension is dims[ndim-1].
struct TensorRef {
  Space space = Space::None;
  DType dtype = DType::F32;
  uint8_t ndim = 0;            // 0 = operand unused
  uint16_t part_start = 0;
  uint16_t part_count = 0;
  int64_t part_stride = 0;     // HBM only, in elements
  uint64_t offset = 0;         // bytes
  int8_t offset_reg = -1;      // if >= 0: offset += regs[offset_reg] * offset_reg_scale (bytes)
  int64_t offset_reg_scale = 0;
  std::array<Dim, 4> dims{};
  // Last, so positional initialisers of the fields above keep their meaning.
  bool part_bcast = false;     // SBUF/PSUM reads: every partition reads part_start's row

  bool used() const { return ndim > 0; }
  uint64_t free_elems() const {
    uint64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= dims[i].size;
    return n;
  }
  uint64_t elems() const { return free_elems() * part_count; }
  // Partitions (SBUF/PSUM) or rows (HBM) whose memory the operand touches: one for a
  // partition-broadcast view, whose part_count lanes all read the same partition.
  uint32_t parts_touched() const { return part_bcast ? 1u : part_count; }
  uint64_t bytes() const { return elems() * dtype_size(dtype); }
};

// ---------------------------------------------------------------- enumerations for fields
#define NPULAB_ALU_OPS(X)                                                            \
  X(bypass) X(add) X(subtract) X(multiply) X(divide) X(max) X(min) X(pow)            \
  X(is_equal) X(not_equal) X(is_gt) X(is_ge) X(is_lt) X(is_le)                        \
  X(logical_and) X(logical_or) X(bitwise_and) X(bitwise_or) X(bitwise_xor) X(abs_max) \
  X(rsubtract)
enum class AluOp : uint8_t {
#define X(n) n,
  NPULAB_ALU_OPS(X)
#undef X
  kCount
};

#define NPULAB_ACT_FUNCS(X)                                                           \
  X(identity) X(exp) X(log) X(tanh) X(sigmoid) X(relu) X(gelu) X(gelu_tanh) X(silu)    \
  X(rsqrt) X(sqrt) X(reciprocal) X(square) X(sin) X(cos) X(abs) X(sign)
enum class ActFunc : uint8_t {
#define X(n) n,
  NPULAB_ACT_FUNCS(X)
#undef X
  kCount
};

// Instruction flag bits (meaning depends on opcode; see opcodes.def).
enum InstrFlags : uint32_t {
  F_START = 1u << 0,          // matmul: overwrite PSUM instead of accumulating
  F_SCALAR_TENSOR = 1u << 1,  // tensor_scalar: s0 comes from operand `scalar` [P,1]
  F_REDUCE_ALL = 1u << 2,     // tensor_reduce: reduce all free dims, not just the innermost
  F_SCALE_TENSOR = 1u << 3,   // activation: reserved (scale from a tensor)
  F_BIAS_IMM = 1u << 4,       // activation: bias from imm1 instead of operand `bias`
  F_ACCUMULATE = 1u << 5,     // activation: also write free-axis sum to `accum`
  F_NEGATE = 1u << 6,         // tensor_reduce: negate the result (e.g. -max for softmax)
};

// ---------------------------------------------------------------- registers
// Sequencer registers are 32-bit signed ([REG]: "64x 32-bit registers per engine
// sequencer"). reg_set / reg_add immediates and branch_lt limits must fit; a reg_add whose
// result leaves the range stops the simulation with an error (the hardware would wrap in
// two's complement; no correct program relies on that, and a wrapped loop counter or
// address is the kind of bug the simulator should name). reg_load loads an i32.
constexpr int64_t kRegMin = INT32_MIN, kRegMax = INT32_MAX;
// Semaphore waits `sem >= value + reg * reg_scale`: |value| < 2^62 and |reg_scale| <= 2^30,
// so the target is exact in int64 for every register value.
constexpr int64_t kMaxWaitValue = (int64_t(1) << 62) - 1, kMaxWaitRegScale = int64_t(1) << 30;

// ---------------------------------------------------------------- synchronisation
// Semaphores are per-core monotone counters. An instruction waits until every
// sem[w.sem] >= w.value (+ regs[w.reg] * w.reg_scale if reg >= 0) of its own core, then
// runs, and on completion adds 1 to sem[signal] if signal >= 0 -- of its own core, or of
// core `signal_core` when that is >= 0 (cross-core synchronisation: as on the hardware,
// the remote engine writes the semaphore of the core that waits; waits only ever read the
// waiting core's semaphores). docs/ISA.md "Cross-core synchronisation".
struct SemWait {
  uint16_t sem = 0;
  int8_t reg = -1;
  int64_t value = 0;
  int64_t reg_scale = 0;
};
constexpr uint32_t kMaxWaits = 4;

// ---------------------------------------------------------------- the instruction
struct Instr {
  Opcode op = Opcode::nop;
  uint8_t num_waits = 0;
  int16_t signal = -1;
  int8_t signal_core = -1;        // core whose semaphore `signal` names; -1 = the issuing core
  std::array<SemWait, kMaxWaits> waits{};
  std::array<TensorRef, 4> t{};   // operand slots, roles per opcodes.def
  AluOp alu0 = AluOp::bypass, alu1 = AluOp::bypass;
  ActFunc act = ActFunc::identity;
  uint8_t reg0 = 0;
  float imm0 = 0, imm1 = 0;
  int64_t iimm0 = 0, iimm1 = 0;
  uint32_t flags = 0;
};

// ---------------------------------------------------------------- programs and executables
struct CoreProgram {
  std::vector<std::vector<Instr>> streams;  // indexed by stream id (kNumFixedStreams + DMA queues)
  uint32_t num_dma_queues() const {
    return streams.size() > kNumFixedStreams ? uint32_t(streams.size() - kNumFixedStreams) : 0;
  }
  uint64_t num_instrs() const {
    uint64_t n = 0;
    for (auto& s : streams) n += s.size();
    return n;
  }
};

// Named region of HBM: program inputs, outputs and scratch (for host I/O and tooling).
struct TensorDecl {
  std::string name;
  DType dtype = DType::F32;
  std::vector<uint64_t> shape;
  uint64_t hbm_offset = 0;
  enum class Kind : uint8_t { Input, Output, Scratch, Constant } kind = Kind::Scratch;
  // Element size times the shape; a shape whose byte size does not fit 64 bits (e.g.
  // [2^62 + 1] f32) throws naming the tensor instead of wrapping to a small size.
  uint64_t bytes() const {
    const std::span<const uint64_t> dims(shape);
    if (auto n = product_exact(dims, dtype_size(dtype))) return *n;
    return checked_product(dims, dtype_size(dtype), "tensor '" + name + "' byte size");  // throws
  }
};

// Bytes to place in HBM before the program runs (weights baked into the executable).
struct Constant {
  uint64_t hbm_offset = 0;
  std::vector<uint8_t> bytes;
};

// The executable container (serialised by isa/container.h, versioned).
struct Executable {
  // Container versions (isa/container.h): 1 = single-core semaphores; 2 adds cross-core
  // signals (Instr::signal_core); 3 adds partition-broadcast operands (TensorRef::
  // part_bcast). The encoder writes the lowest version that holds the program, so
  // programs without the newer features keep their older bytes.
  static constexpr uint32_t kVersion = 3;
  std::string name;
  std::string chip;                      // chip it was built for, e.g. "trn2" (informational)
  std::vector<CoreProgram> cores;        // one program per NeuronCore used
  std::vector<TensorDecl> tensors;
  std::vector<Constant> constants;
  uint64_t num_instrs() const {
    uint64_t n = 0;
    for (auto& c : cores) n += c.num_instrs();
    return n;
  }
};

}  // namespace npulab::isa
