// Schema of every opcode, generated from opcodes.def: operand roles, allowed memory
// spaces, scalar fields used. Encoding, assembly text and validation are all driven
// by this schema, never by per-opcode code.
#pragma once
#include <array>
#include <optional>
#include <string_view>

#include "isa/instr.h"

namespace npulab::isa {

enum class Access : uint8_t { R, W, RW };
enum class Field : uint8_t { reg0, iimm0, iimm1, imm0, imm1, alu0, alu1, act, flags };

struct OperandRole {
  std::string_view name;  // "dst", "stationary", ...
  uint32_t spaces = 0;    // SpaceMask bits
  Access access = Access::R;
};
struct FieldRole {
  Field field;
  std::string_view name;  // text name in assembly: "op", "scale", "r", ...
};

struct OpInfo {
  std::string_view name;
  uint32_t engines = 0;  // EngineMask bits
  uint8_t num_operands = 0;
  std::array<OperandRole, 4> operands{};
  uint8_t num_fields = 0;
  std::array<FieldRole, 6> fields{};
};

const OpInfo& op_info(Opcode op);
std::optional<Opcode> parse_opcode(std::string_view name);
std::string_view alu_name(AluOp op);
std::optional<AluOp> parse_alu(std::string_view name);
std::string_view act_name(ActFunc f);
std::optional<ActFunc> parse_act(std::string_view name);

}  // namespace npulab::isa
