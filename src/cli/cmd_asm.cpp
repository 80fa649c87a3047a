// `npulab asm in.s -o out.npx [--hw CHIP | --no-validate]`: assemble text into the binary
// container. The program is validated against the chip named by --hw, or else by its own
// `.chip` directive, so a bad program fails here rather than in the simulator.
#include <fmt/format.h>

#include <fstream>

#include "arch/chip.h"
#include "cli/command.h"
#include "cli/emit_program.h"
#include "common/error.h"
#include "isa/asm.h"
#include "isa/container.h"
#include "isa/validate.h"

namespace npulab::cli {
namespace {

struct AsmOptions {
  std::string input, output, hw;
  bool no_validate = false;
};

int run_asm(const AsmOptions& o) {
  const std::vector<uint8_t> text = isa::read_file_bytes(o.input);
  if (isa::detect_program_format(text.data(), text.size(), o.input) == isa::ProgramFormat::Binary)
    fail("{}: is a binary .npx executable, not assembly text (`npulab disasm` prints it as text)", o.input);
  isa::Executable exe =
      isa::parse_executable(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()), o.input);
  std::string chip = !o.hw.empty() ? o.hw : exe.chip;
  if (!o.no_validate && !chip.empty()) isa::validate_executable(exe, arch::load_chip_by_name(chip));
  return emit_program(exe, {"npx", o.output});
}

Run setup_asm(CLI::App& app) {
  auto o = std::make_shared<AsmOptions>();
  app.add_option("input", o->input, "assembly text (docs/ISA.md)")->required();
  app.add_option("-o,--output", o->output, "binary executable to write (.npx)")->required();
  app.add_option("--hw", o->hw, "validate against this chip (name or hw/*.toml); default: the .chip directive");
  app.add_flag("--no-validate", o->no_validate, "skip validation against the chip");
  return [o] { return run_asm(*o); };
}

Registrar reg{"asm", "Assemble npulab assembly text into a .npx executable", setup_asm};

}  // namespace
}  // namespace npulab::cli
