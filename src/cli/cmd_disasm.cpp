// `npulab disasm in.npx [-o out.s]`: print an executable (binary or text) as canonical
// assembly. asm -> disasm -> asm reproduces the binary byte for byte.
#include <fmt/format.h>

#include "cli/command.h"
#include "cli/emit_program.h"
#include "common/error.h"
#include "isa/container.h"

namespace npulab::cli {
namespace {

struct DisasmOptions {
  std::string input, output;
};

int run_disasm(const DisasmOptions& o) {
  return emit_program(isa::read_executable_file(o.input), {"asm", o.output == "-" ? "" : o.output});
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
