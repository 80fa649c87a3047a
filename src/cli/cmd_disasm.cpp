// `npulab disasm in.npx [-o out.s]`: print an executable (binary or text) as canonical
// assembly. asm -> disasm -> asm reproduces the binary byte for byte.
#include <fmt/format.h>

#include <fstream>

#include "cli/command.h"
#include "common/error.h"
#include "isa/asm.h"
#include "isa/container.h"

namespace npulab::cli {
namespace {

struct DisasmOptions {
  std::string input, output;
};

int run_disasm(const DisasmOptions& o) {
  std::string text = isa::print_executable(isa::read_executable_file(o.input));
  if (o.output.empty() || o.output == "-") {
    fmt::print("{}", text);
    return 0;
  }
  std::ofstream out(o.output, std::ios::binary);
  if (!out) fail("{}: cannot open for writing", o.output);
  out << text;
  if (!out) fail("{}: write failed", o.output);
  return 0;
}

Run setup_disasm(CLI::App& app) {
  auto o = std::make_shared<DisasmOptions>();
  app.add_option("input", o->input, "executable (.npx binary or assembly text)")->required();
  app.add_option("-o,--output", o->output, "assembly file to write (default: stdout)");
  return [o] { return run_disasm(*o); };
}

Registrar reg{"disasm", "Print a .npx executable as canonical assembly text", setup_disasm};

}  // namespace
}  // namespace npulab::cli
