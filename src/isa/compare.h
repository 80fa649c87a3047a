// Exact equality of instructions and executables, as used by the round-trip guarantees
// (parse(print(exe)) == exe, decode(encode(exe)) == exe). Parts of an instruction that
// are not part of it (not encoded) are ignored: dims beyond ndim, waits beyond num_waits,
// the fields of unused operands, a register scale when no register is used, and operand
// slots and scalar fields that the opcode's schema does not list (validate_instr rejects
// instructions that set those, so nothing meaningful is lost). Floats compare by
// bit pattern (so -0 != 0 and NaN payloads must match).
#pragma once
#include "isa/instr.h"

namespace npulab::isa {

bool operator==(const Dim& a, const Dim& b);
bool operator==(const SemWait& a, const SemWait& b);
bool operator==(const TensorRef& a, const TensorRef& b);
bool operator==(const Instr& a, const Instr& b);
bool operator==(const CoreProgram& a, const CoreProgram& b);
bool operator==(const TensorDecl& a, const TensorDecl& b);
bool operator==(const Constant& a, const Constant& b);
bool operator==(const Executable& a, const Executable& b);

}  // namespace npulab::isa
