// Helpers for the scheduler / timing / race tests: build small programs directly as
// isa::Executable structs (no assembler involved) and run them on the trn2 description.
#pragma once
#include <string>
#include <vector>

#include "arch/chip.h"
#include "isa/instr.h"
#include "sim/simulator.h"

namespace npulab::sim::testutil {

inline const arch::ChipConfig& trn2() {
  static const arch::ChipConfig cfg = arch::load_chip_by_name("trn2");
  return cfg;
}

// [parts] x [free] tile at byte `offset` of SBUF/PSUM, contiguous per partition.
inline isa::TensorRef tile(isa::Space space, DType dt, uint32_t parts, uint32_t free,
                           uint64_t offset = 0, uint16_t part_start = 0) {
  isa::TensorRef r;
  r.space = space;
  r.dtype = dt;
  r.ndim = 1;
  r.part_start = part_start;
  r.part_count = uint16_t(parts);
  r.offset = offset;
  r.dims[0] = {1, free};
  return r;
}
inline isa::TensorRef sbuf(DType dt, uint32_t parts, uint32_t free, uint64_t offset = 0,
                           uint16_t part_start = 0) {
  return tile(isa::Space::Sbuf, dt, parts, free, offset, part_start);
}
inline isa::TensorRef psum(uint32_t parts, uint32_t free, uint64_t offset = 0) {
  return tile(isa::Space::Psum, DType::F32, parts, free, offset);
}
// Row-major [rows] x [cols] block of HBM at `offset`, rows `row_stride` elements apart.
inline isa::TensorRef hbm(DType dt, uint32_t rows, uint32_t cols, uint64_t offset = 0,
                          int64_t row_stride = -1) {
  isa::TensorRef r;
  r.space = isa::Space::Hbm;
  r.dtype = dt;
  r.ndim = 1;
  r.part_count = uint16_t(rows);
  r.part_stride = row_stride < 0 ? int64_t(cols) : row_stride;
  r.offset = offset;
  r.dims[0] = {1, cols};
  return r;
}

inline isa::Instr dma(const isa::TensorRef& dst, const isa::TensorRef& src) {
  isa::Instr in;
  in.op = isa::Opcode::dma_copy;
  in.t[0] = dst;
  in.t[1] = src;
  return in;
}
inline isa::Instr matmul(const isa::TensorRef& dst, const isa::TensorRef& st,
                         const isa::TensorRef& mv, bool start = true) {
  isa::Instr in;
  in.op = isa::Opcode::matmul;
  in.t[0] = dst;
  in.t[1] = st;
  in.t[2] = mv;
  in.flags = start ? uint32_t(isa::F_START) : 0u;
  return in;
}
inline isa::Instr activation(const isa::TensorRef& dst, const isa::TensorRef& src,
                             isa::ActFunc f = isa::ActFunc::identity, float scale = 1.0f) {
  isa::Instr in;
  in.op = isa::Opcode::activation;
  in.t[0] = dst;
  in.t[1] = src;
  in.act = f;
  in.imm0 = scale;
  in.flags = isa::F_BIAS_IMM;
  return in;
}
inline isa::Instr tensor_tensor(const isa::TensorRef& dst, const isa::TensorRef& a,
                                const isa::TensorRef& b, isa::AluOp op = isa::AluOp::add) {
  isa::Instr in;
  in.op = isa::Opcode::tensor_tensor;
  in.t[0] = dst;
  in.t[1] = a;
  in.t[2] = b;
  in.alu0 = op;
  return in;
}
inline isa::Instr tensor_copy(const isa::TensorRef& dst, const isa::TensorRef& src) {
  isa::Instr in;
  in.op = isa::Opcode::tensor_copy;
  in.t[0] = dst;
  in.t[1] = src;
  return in;
}
inline isa::Instr memset(const isa::TensorRef& dst, float v) {
  isa::Instr in;
  in.op = isa::Opcode::memset;
  in.t[0] = dst;
  in.imm0 = v;
  return in;
}
inline isa::Instr ctrl(isa::Opcode op, uint8_t reg = 0, int64_t a = 0, int64_t b = 0) {
  isa::Instr in;
  in.op = op;
  if (op != isa::Opcode::jump && op != isa::Opcode::nop) in.reg0 = reg;
  in.iimm0 = a;
  in.iimm1 = b;
  return in;
}
inline isa::Instr with_wait(isa::Instr in, uint16_t sem, int64_t value, int8_t reg = -1,
                            int64_t reg_scale = 0) {
  in.waits[in.num_waits++] = isa::SemWait{sem, reg, value, reg_scale};
  return in;
}
inline isa::Instr with_signal(isa::Instr in, int16_t sem) {
  in.signal = sem;
  return in;
}

// One-core executable with `dma_queues` DMA queues.
inline isa::Executable make_exe(uint32_t cores = 1, uint32_t dma_queues = 1) {
  isa::Executable exe;
  exe.name = "test";
  exe.chip = "trn2";
  exe.cores.resize(cores);
  for (auto& c : exe.cores) c.streams.resize(isa::kNumFixedStreams + dma_queues);
  return exe;
}
inline std::vector<isa::Instr>& stream(isa::Executable& exe, isa::Stream s, uint32_t core = 0) {
  return exe.cores[core].streams[uint32_t(s)];
}
inline std::vector<isa::Instr>& dmaq(isa::Executable& exe, uint32_t q, uint32_t core = 0) {
  return exe.cores[core].streams[isa::dma_stream(q)];
}

inline SimResult run(const isa::Executable& exe, Mode mode = Mode::TimingOnly,
                     bool races = false) {
  Chip chip(trn2(), mode);
  SimOptions o;
  o.mode = mode;
  o.check_races = races;
  return chip.run(exe, o);
}

inline double busy_of(const SimResult& r, const std::string& name) {
  for (const auto& s : r.streams)
    if (s.name == name) return s.busy_ns;
  return -1;
}

}  // namespace npulab::sim::testutil
