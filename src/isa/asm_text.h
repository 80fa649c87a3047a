// Pieces of the assembly syntax shared by the printer, the parser, validation messages
// and the CLI (docs/ISA.md describes the syntax).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "isa/instr.h"

namespace npulab::isa {

std::string tensor_text(const TensorRef& t);      // sbuf:bf16[0:128]@4096{1x512}
std::string wait_text(const SemWait& w);          // s3>=5, s4>=r2*8+1
std::string flags_text(uint32_t flags);           // start|accumulate, or none
std::string float_text(float v);                  // shortest exact text; nan(0x...) for payloads
std::string quoted(std::string_view s);           // "name" with \" \\ \xHH escapes
std::string_view tensor_kind_name(TensorDecl::Kind k);  // input/output/scratch/constant

}  // namespace npulab::isa
