// Schema of every opcode, generated from opcodes.def: operand roles, allowed memory
// spaces, scalar fields used. Encoding, assembly text and validation are all driven
// by this schema, never by per-opcode code.
#pragma once
#include <array>
#include <optional>
#include <span>
#include <string>
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

// ---- additions (isa helper): flags, conditional operands, names used by asm/validation

// A flag bit, its assembly name and the one opcode it applies to.
struct FlagInfo {
  std::string_view name;  // "start", "scalar_tensor", ...
  uint32_t bit = 0;       // InstrFlags bit
  Opcode op = Opcode::nop;
};
std::span<const FlagInfo> flag_infos();
std::optional<uint32_t> parse_flag(std::string_view name);  // bit of one flag name
uint32_t flags_allowed(Opcode op);                          // mask of the flags op accepts

// Most operands are always required. A few are present only when a flag is set (or
// clear): present iff ((flags & flag) != 0) != when_clear.
struct OperandCondition {
  Opcode op;
  int slot;
  uint32_t flag;
  bool when_clear;
};
std::span<const OperandCondition> operand_conditions();
enum class OperandPresence : uint8_t { Required, Forbidden };
// Whether operand `slot` of `op` must be used, given the instruction's flags.
OperandPresence operand_presence(Opcode op, int slot, uint32_t flags);
// Message for the first operand that is missing or present against the rules, if any.
std::optional<std::string> operand_presence_error(const Instr& in);

std::string_view field_name(Field f);   // C++ member name: "imm0", "alu1", ...
std::string_view access_name(Access a); // "R", "W", "RW"
std::optional<uint32_t> parse_stream(std::string_view name);  // inverse of stream_name
std::optional<Space> parse_space(std::string_view name);      // "hbm", "sbuf", "psum"
std::string spaces_text(uint32_t space_mask);                  // "hbm|sbuf"
std::string engines_text(uint32_t engine_mask);                // "dve|pool", "any"

}  // namespace npulab::isa
