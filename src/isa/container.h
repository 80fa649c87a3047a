// The versioned binary executable container (".npx"): a header (magic "NPULABX1",
// version), per-core per-stream instruction streams in the binary encoding driven by
// opcodes.def, tensor declarations and constants. Decoding never trusts its input:
// every length and enum is checked and errors name the offset and field.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "isa/instr.h"

namespace npulab::isa {

std::vector<uint8_t> encode_executable(const Executable& exe);
Executable decode_executable(const uint8_t* data, size_t size, std::string_view source_name = "<input>");

void write_executable_file(const Executable& exe, const std::string& path);
Executable read_executable_file(const std::string& path);  // .npx binary or .s assembly text

}  // namespace npulab::isa
