// `npulab isa [--markdown]`: the instruction set as generated from opcodes.def — every
// opcode with its engines, operand roles (allowed spaces, access) and scalar fields.
// docs/ISA.md embeds the --markdown output.
#include <fmt/format.h>

#include "cli/command.h"
#include "isa/asm_text.h"
#include "isa/opcode_table.h"

namespace npulab::cli {
namespace {

using namespace npulab::isa;

std::string operands_text(const OpInfo& info, std::string_view sep) {
  std::string s;
  for (int k = 0; k < info.num_operands; ++k) {
    const OperandRole& r = info.operands[k];
    std::string cond;
    if (r.presence != Presence::Always)
      cond = fmt::format(" if {}{}", r.presence == Presence::IfClear ? "!" : "", flags_text(r.flag));
    s += fmt::format("{}{}:{}:{}{}", k ? sep : "", r.name, spaces_text(r.spaces), access_name(r.access), cond);
  }
  return s.empty() ? "-" : s;
}

std::string fields_text(const OpInfo& info, Opcode op, std::string_view sep) {
  std::string s;
  for (int k = 0; k < info.num_fields; ++k) {
    const FieldRole& f = info.fields[k];
    std::string extra;
    if (f.field == Field::flags) {
      uint32_t allowed = flags_allowed(op);
      extra = fmt::format("({})", flags_text(allowed));
    }
    s += fmt::format("{}{}={}{}", k ? sep : "", f.name, field_name(f.field), extra);
  }
  return s.empty() ? "-" : s;
}

// '|' separates Markdown table cells, so alternatives ("sbuf|psum") are escaped there.
std::string md(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

int run_isa(bool markdown) {
  if (markdown) {
    fmt::print("| opcode | engines | operands (role:spaces:access) | fields (name=storage) |\n");
    fmt::print("|---|---|---|---|\n");
  }
  for (size_t i = 0; i < size_t(Opcode::kCount); ++i) {
    Opcode op = Opcode(i);
    const OpInfo& info = op_info(op);
    if (markdown) {
      fmt::print("| `{}` | {} | {} | {} |\n", info.name, md(engines_text(info.engines)),
                 md(operands_text(info, "<br>")), md(fields_text(info, op, "<br>")));
    } else {
      fmt::print("{:<17} {:<13} operands: {}\n{:<31} fields:   {}\n", info.name, engines_text(info.engines),
                 operands_text(info, ", "), "", fields_text(info, op, ", "));
    }
  }
  if (!markdown) {
    std::string alus, acts;
    for (size_t i = 0; i < size_t(AluOp::kCount); ++i) alus += fmt::format("{}{}", i ? " " : "", alu_name(AluOp(i)));
    for (size_t i = 0; i < size_t(ActFunc::kCount); ++i) acts += fmt::format("{}{}", i ? " " : "", act_name(ActFunc(i)));
    fmt::print("\nALU ops: {}\nactivation functions: {}\n", alus, acts);
  }
  return 0;
}

Run setup_isa(CLI::App& app) {
  auto markdown = std::make_shared<bool>(false);
  app.add_flag("--markdown", *markdown, "print a Markdown table (as in docs/ISA.md)");
  return [markdown] { return run_isa(*markdown); };
}

Registrar reg{"isa", "Print the instruction set (opcodes, engines, operands, fields)", setup_isa};

}  // namespace
}  // namespace npulab::cli
