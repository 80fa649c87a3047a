#include "cli/emit_program.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>

#include "common/error.h"
#include "isa/asm.h"
#include "isa/container.h"

namespace npulab::cli {

void add_emit_options(CLI::App& app, EmitArgs& e) {
  app.add_option("--emit", e.format, "print the program instead: asm (text, docs/ISA.md) or npx (binary, needs -o)")
      ->check(CLI::IsMember({"asm", "npx"}));
  app.add_option("-o,--output", e.output, "write the emitted program to this file (default: stdout)");
}

int emit_program(const isa::Executable& exe, const EmitArgs& e) {
  if (e.format == "npx") {
    if (e.output.empty()) fail("--emit npx needs -o FILE (a binary container is not printed)");
    const auto bytes = isa::encode_executable(exe);
    std::ofstream out(e.output, std::ios::binary);
    if (!out) fail("{}: cannot open for writing", e.output);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!out) fail("{}: write failed", e.output);
    return 0;
  }
  const std::string text = isa::print_executable(exe);
  if (e.output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  std::ofstream out(e.output, std::ios::binary);
  if (!out) fail("{}: cannot open for writing", e.output);
  out << text;
  if (!out) fail("{}: write failed", e.output);
  return 0;
}

}  // namespace npulab::cli
