// Static validation of a program against a chip description: engine placement,
// memory spaces, partition-start rules, tile limits, SBUF/PSUM bounds, dtype rules.
// Errors name the core, stream, instruction index, its assembly text and the rule.
// Register-relative offsets are checked again at run time by the simulator.
#pragma once
#include "arch/chip.h"
#include "isa/instr.h"

namespace npulab::isa {

void validate_instr(const Instr& in, uint32_t stream, const arch::ChipConfig& chip);  // throws Error
void validate_executable(const Executable& exe, const arch::ChipConfig& chip);       // throws Error
// The parts of validate_executable, for callers that walk the instructions themselves
// (the simulator validates each instruction in the same pass that precomputes it):
// everything but the instructions (core count, tensors, constants) ...
void validate_executable_decls(const Executable& exe, const arch::ChipConfig& chip);
// ... and the checks of instruction `index` of stream `stream` (`code`) of core `core`.
void validate_stream_instr(const std::vector<Instr>& code, uint32_t stream, const arch::ChipConfig& chip,
                           uint32_t core, uint32_t index);

}  // namespace npulab::isa
