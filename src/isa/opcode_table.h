// Schema of every opcode, generated from opcodes.def: kind, engines, operand roles (allowed
// memory spaces, access, presence), scalar fields, accepted flags, traits and the shape
// verifier. Encoding, assembly text, validation, the simulator's scheduling and the
// Builder's emitters are all driven by this schema, never by per-opcode code.
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

// Who executes an op and how the scheduler times it (opcodes.def, column `kind`).
enum class OpKind : uint8_t {
  Control,  // the stream's sequencer: registers, branches, waits; runs in every mode
  Compute,  // the stream's engine datapath (or, reg_load, its sequencer reading a word)
  Tensor,   // the tensor engine: cost depends on the stationary it holds
  Dma,      // a DMA queue: fixed latency, then a bandwidth-shared transfer
  Collective,  // the chip's collective engine: a rendezvous of the group's cores, then
               // steps of bandwidth-shared DMA transfers (sim/collective)
};
inline constexpr OpKind K_CONTROL = OpKind::Control, K_COMPUTE = OpKind::Compute,
                        K_TENSOR = OpKind::Tensor, K_DMA = OpKind::Dma,
                        K_COLLECTIVE = OpKind::Collective;

// Properties of an op (opcodes.def, column `traits`).
enum OpTraits : uint32_t {
  T_WRITES_REG0 = 1u << 0,    // writes register reg0 of the issuing stream
  T_ANY_PARTITION = 1u << 1,  // operands may start at any partition (DMA engines and
                              // sequencers address partitions one by one)
};

// When an operand is present (all others of the row are always required).
enum class Presence : uint8_t { Always, IfSet, IfClear };

struct OperandRole {
  std::string_view name;  // "dst", "stationary", ...
  uint32_t spaces = 0;    // SpaceMask bits
  Access access = Access::R;
  Presence presence = Presence::Always;
  uint32_t flag = 0;      // IfSet / IfClear: the InstrFlags bit that decides
  bool held = false;      // loaded into the tensor engine, which keeps it (matmul stationary)

  // Attributes of opcodes.def rows: R(..., IF(flag)), R(..., UNLESS(flag)), R(..., HELD).
  constexpr OperandRole present_if(uint32_t f) const { return with(Presence::IfSet, f); }
  constexpr OperandRole present_unless(uint32_t f) const { return with(Presence::IfClear, f); }
  constexpr OperandRole held_in_array() const {
    OperandRole r = *this;
    r.held = true;
    return r;
  }

 private:
  constexpr OperandRole with(Presence p, uint32_t f) const {
    OperandRole r = *this;
    r.presence = p;
    r.flag = f;
    return r;
  }
};
struct FieldRole {
  Field field;
  std::string_view name;  // text name in assembly: "op", "scale", "r", ...
  bool target = false;    // a branch target: an instruction index of the stream, or its end
  constexpr FieldRole branch_target() const {
    FieldRole r = *this;
    r.target = true;
    return r;
  }
};

// Shape rules beyond the schema, one function per VERIFY(v) of opcodes.def (isa/verify.h).
struct VerifyCtx;
using ShapeVerifier = void (*)(const VerifyCtx&);

struct OpInfo {
  std::string_view name;
  OpKind kind = OpKind::Control;
  uint32_t engines = 0;  // EngineMask bits
  uint8_t num_operands = 0;
  std::array<OperandRole, 4> operands{};
  uint8_t num_fields = 0;
  std::array<FieldRole, 6> fields{};
  uint32_t flags = 0;    // InstrFlags bits the op accepts
  uint32_t traits = 0;   // OpTraits bits
  ShapeVerifier verify = nullptr;  // null: the schema's rules are all
  bool timing_hook = false;        // the simulator runs a timing-only hook (sim::timing_<h>)
  int8_t held_slot = -1;           // operand slot marked HELD, or -1

  constexpr bool writes_reg0() const { return traits & T_WRITES_REG0; }
  constexpr bool lists(Field f) const {
    for (int k = 0; k < num_fields; ++k)
      if (fields[k].field == f) return true;
    return false;
  }
  constexpr bool has_target() const {
    for (int k = 0; k < num_fields; ++k)
      if (fields[k].target) return true;
    return false;
  }
};

namespace detail {
extern const OpInfo kOpInfo[size_t(Opcode::kCount)];  // the rows, in Opcode order
[[noreturn]] void bad_opcode(Opcode op);
}  // namespace detail
// The row of `op` (inline: the simulator and the builder look it up per instruction).
inline const OpInfo& op_info(Opcode op) {
  if (size_t(op) >= size_t(Opcode::kCount)) detail::bad_opcode(op);
  return detail::kOpInfo[size_t(op)];
}
std::optional<Opcode> parse_opcode(std::string_view name);
std::string_view alu_name(AluOp op);
std::optional<AluOp> parse_alu(std::string_view name);
std::string_view act_name(ActFunc f);
std::optional<ActFunc> parse_act(std::string_view name);

// ---- flags, conditional operands, names used by asm/validation

// A flag bit and its assembly name; which opcodes accept it is the table's `flags` column.
struct FlagInfo {
  std::string_view name;  // "start", "scalar_tensor", ...
  uint32_t bit = 0;       // InstrFlags bit
  bool reserved = false;  // named (and parsed) but rejected by validation
};
std::span<const FlagInfo> flag_infos();
std::optional<uint32_t> parse_flag(std::string_view name);  // bit of one flag name
uint32_t flags_allowed(Opcode op);                          // mask of the flags op accepts

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
