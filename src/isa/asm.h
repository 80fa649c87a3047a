// Assembly text <-> Executable. `npulab asm` / `npulab disasm` round-trip exactly:
// print(parse(text)) is canonical, and parse(print(exe)) == exe field for field.
#pragma once
#include <string>
#include <string_view>

#include "isa/instr.h"

namespace npulab::isa {

// One instruction as canonical assembly text (no trailing newline).
std::string to_text(const Instr& in);
// A whole executable as assembly text.
std::string print_executable(const Executable& exe);
// Parse assembly text; errors name `source_name`, the line and column, and what was expected.
Executable parse_executable(std::string_view text, std::string_view source_name = "<input>");

}  // namespace npulab::isa
