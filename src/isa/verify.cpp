// The shape verifiers named by opcodes.def (see verify.h). Messages name the rule and,
// for the chip's limits, the hardware file (VerifyCtx::error's cite_chip).
#include "isa/verify.h"

#include <fmt/format.h>

#include "common/error.h"
#include "isa/access_pattern.h"
#include "isa/asm.h"
#include "isa/opcode_table.h"

namespace npulab::isa {

void VerifyCtx::error(const std::string& msg, bool cite_chip) const {
  std::string where;
  if (core >= 0) where += fmt::format("core {}, ", core);
  where += fmt::format("stream {}", stream_name(stream));
  if (index >= 0) where += fmt::format(", instr {}", index);
  std::string text;
  try {
    text = to_text(in);
  } catch (const Error&) {
    text = fmt::format("opcode {}", int(in.op));
  }
  std::string src = chip.source_file.empty() ? chip.name : chip.source_file;
  fail("{} (`{}`): {}{}", where, text, msg, cite_chip ? fmt::format(" ({})", src) : "");
}

void verify_shape(const VerifyCtx& c) {
  if (const ShapeVerifier v = op_info(c.in.op).verify) v(c);
}

namespace {

// A tensor-engine result must lie inside one PSUM bank (the array writes one bank).
void check_bank(const VerifyCtx& c, const TensorRef& dst) {
  const uint64_t bank = c.chip.psum.bank_bytes();
  if (!bank || dst.offset_reg >= 0) return;
  const ByteSpan fs = free_byte_span(dst);
  const i128 lo = i128(dst.offset) + fs.lo, hi = i128(dst.offset) + fs.hi;
  if (lo < 0 || hi > i128(INT64_MAX)) return;  // outside PSUM: the bounds check reports it
  if (uint64_t(lo) / bank != uint64_t(hi - 1) / bank)
    c.error(fmt::format("dst PSUM bytes [{}, {}) cross a PSUM bank boundary (bank size {} bytes)", int64_t(lo),
                        int64_t(hi), bank), true);
}

}  // namespace

void verify_matmul(const VerifyCtx& c) {
  const auto& pe = c.chip.tensor;
  const TensorRef &dst = c.in.t[0], &st = c.in.t[1], &mv = c.in.t[2];
  const uint64_t K = st.part_count, M = st.free_elems(), N = mv.free_elems();
  if (mv.part_count != K)
    c.error(fmt::format("moving has {} partitions but stationary has {} (contraction K must match)", mv.part_count, K));
  if (K > pe.rows) c.error(fmt::format("contraction K {} exceeds tensor.rows {}", K, pe.rows), true);
  if (M > pe.cols) c.error(fmt::format("stationary free size {} exceeds tensor.cols {}", M, pe.cols), true);
  if (N > pe.max_moving_free)
    c.error(fmt::format("moving free size {} exceeds tensor.max_moving_free {}", N, pe.max_moving_free), true);
  if (!dtype_is_float(st.dtype) || !dtype_is_float(mv.dtype))
    c.error(fmt::format("matmul inputs must be floating point, got {} and {}", dtype_name(st.dtype), dtype_name(mv.dtype)));
  if (st.dtype != mv.dtype)
    c.error(fmt::format("stationary ({}) and moving ({}) must have the same dtype", dtype_name(st.dtype), dtype_name(mv.dtype)));
  if (dst.dtype != DType::F32) c.error(fmt::format("matmul dst in PSUM must be f32, got {}", dtype_name(dst.dtype)));
  if (dst.part_count != M) c.error(fmt::format("dst has {} partitions, expected M = {}", dst.part_count, M));
  if (dst.free_elems() != N) c.error(fmt::format("dst has {} elements per partition, expected N = {}", dst.free_elems(), N));
  check_bank(c, dst);
}

void verify_transpose(const VerifyCtx& c) {
  const auto& pe = c.chip.tensor;
  const TensorRef &dst = c.in.t[0], &src = c.in.t[1];
  const uint64_t P = src.part_count, F = src.free_elems();
  if (P > pe.rows) c.error(fmt::format("transpose source partitions {} exceed tensor.rows {}", P, pe.rows), true);
  if (F > pe.cols) c.error(fmt::format("transpose source free size {} exceeds tensor.cols {}", F, pe.cols), true);
  if (dst.part_count != F || dst.free_elems() != P)
    c.error(fmt::format("transpose dst must be [{}, {}] for src [{}, {}], got [{}, {}]", F, P, P, F, dst.part_count,
                        dst.free_elems()));
  check_bank(c, dst);
}

void verify_max8(const VerifyCtx& c) {
  if (c.in.t[0].free_elems() != 8)
    c.error(fmt::format("{} dst must have 8 elements per partition", op_info(c.in.op).name));
}

void verify_find_index8(const VerifyCtx& c) {
  if (c.in.t[0].dtype != DType::I32) c.error("find_index8 dst must be i32");
  verify_max8(c);
}

void verify_shuffle(const VerifyCtx& c) {
  if (c.in.t[2].dtype != DType::I32) c.error("shuffle idx must be i32");
}

// One 32-bit word into a sequencer register (any partition).
void verify_reg_load(const VerifyCtx& c) {
  const TensorRef& src = c.in.t[0];
  if (src.dtype != DType::I32 || src.part_count != 1 || src.free_elems() != 1)
    c.error(fmt::format("reg_load src must be one i32 element [1 partition, 1], got {} [{}, {}]",
                        dtype_name(src.dtype), src.part_count, src.free_elems()));
}

}  // namespace npulab::isa
