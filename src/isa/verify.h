// Shape verifiers: the rules of an opcode that its schema row cannot express (the tensor
// engine's tile limits, index dtypes, fixed result widths), as MLIR ops carry a verifier
// beside their declarative constraints. A row of opcodes.def names one with VERIFY(v); it
// is isa::verify_<v>, defined in isa/verify.cpp (a row naming a verifier that is not
// defined does not link). Validation calls it after the schema checks, so a verifier may
// assume that the operands the row requires are present and in their allowed spaces; the
// kernel builder calls it as each op is emitted, so a bad tile fails where it is used.
#pragma once
#include <cstdint>
#include <string>

#include "arch/chip.h"
#include "isa/instr.h"

namespace npulab::isa {

// The instruction being checked and where it is (-1: not in a program yet).
struct VerifyCtx {
  const Instr& in;
  uint32_t stream = 0;
  const arch::ChipConfig& chip;
  int64_t core = -1, index = -1;
  // Throws npulab::Error naming the core, stream, index and the instruction's text; with
  // cite_chip also the hardware file (the limit is the chip's).
  [[noreturn]] void error(const std::string& msg, bool cite_chip = false) const;
};

#define VERIFY(v) void verify_##v(const VerifyCtx& c);
#define NO_VERIFY
#define OP(name, kind, engines, operands, fields, flags, traits, verifier, timing) verifier
#include "isa/opcodes.def"
#undef OP
#undef VERIFY
#undef NO_VERIFY

// Runs the verifier of c.in's row, if it has one.
void verify_shape(const VerifyCtx& c);

}  // namespace npulab::isa
