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
// The container version encode_executable writes for `exe`: the lowest that holds it.
uint32_t min_version(const Executable& exe);
Executable decode_executable(const uint8_t* data, size_t size, std::string_view source_name = "<input>");

void write_executable_file(const Executable& exe, const std::string& path);
Executable read_executable_file(const std::string& path);  // .npx binary or .s assembly text

// What a program file holds, told from its content (never its name): Binary when it
// starts like the container's magic ("NPULAB", or a prefix of it: a truncated header or a
// wrong version, which the decoder then names), Text otherwise. Empty input and binary data that is neither (a NUL byte) throw
// naming `source_name`.
enum class ProgramFormat { Text, Binary };
ProgramFormat detect_program_format(const uint8_t* data, size_t size, std::string_view source_name);
// The bytes of a file, or an Error naming it.
std::vector<uint8_t> read_file_bytes(const std::string& path);

}  // namespace npulab::isa
