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
// The checks validate_executable applies to one of its instructions (e.g. after patching it).
void validate_executable_instr(const Executable& exe, const arch::ChipConfig& chip, uint32_t core,
                               uint32_t stream, uint32_t index);

}  // namespace npulab::isa
