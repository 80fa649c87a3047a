// `--emit asm|npx` and `-o FILE` for the commands that build a program without running it
// (`npulab compile`, `npulab kernel ... --emit asm`): print it as assembly text or write it
// as a binary .npx container.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "isa/instr.h"

namespace npulab::cli {

struct EmitArgs {
  std::string format = "asm";  // "asm" or "npx"; empty = do not emit (kernel: run it instead)
  std::string output;          // file; empty = stdout (asm only)
};

// Adds --emit and -o to `app`; e.format's value beforehand is the default.
void add_emit_options(CLI::App& app, EmitArgs& e);
// Prints or writes `exe` as `e` asks; returns the command's exit code.
int emit_program(const isa::Executable& exe, const EmitArgs& e);

}  // namespace npulab::cli
