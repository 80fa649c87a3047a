// The opcode schema table, expanded from opcodes.def (X-macros) so encoding, assembly
// text and validation never need per-opcode code. Also the names of streams, spaces,
// ALU ops, activation functions and flags.
#include "isa/opcode_table.h"

#include <fmt/format.h>

#include "common/error.h"

#include <initializer_list>

namespace npulab::isa {
namespace {

constexpr OpInfo make_info(std::string_view name, uint32_t engines,
                           std::initializer_list<OperandRole> ops,
                           std::initializer_list<FieldRole> fields) {
  OpInfo info{};
  info.name = name;
  info.engines = engines;
  for (const auto& o : ops) info.operands[info.num_operands++] = o;
  for (const auto& f : fields) info.fields[info.num_fields++] = f;
  return info;
}

// Each row of opcodes.def becomes one make_info(...) call.
#define OPS(...) {__VA_ARGS__}
#define R(role, spaces, access) OperandRole{#role, (spaces), Access::access}
#define FLDS(...) {__VA_ARGS__}
#define F(field, text) FieldRole{Field::field, text}
constexpr OpInfo kTable[] = {
#define OP(name, engines, operands, fields) \
  make_info(#name, (engines), std::initializer_list<OperandRole> operands, \
            std::initializer_list<FieldRole> fields),
#include "isa/opcodes.def"
#undef OP
};
#undef OPS
#undef R
#undef FLDS
#undef F
static_assert(std::size(kTable) == size_t(Opcode::kCount), "table rows must match opcodes");

constexpr std::string_view kAluNames[] = {
#define X(n) #n,
    NPULAB_ALU_OPS(X)
#undef X
};
constexpr std::string_view kActNames[] = {
#define X(n) #n,
    NPULAB_ACT_FUNCS(X)
#undef X
};
static_assert(std::size(kAluNames) == size_t(AluOp::kCount));
static_assert(std::size(kActNames) == size_t(ActFunc::kCount));

// Which flag bits exist, their text names and the opcode they apply to.
constexpr FlagInfo kFlags[] = {
    {"start", F_START, Opcode::matmul},
    {"scalar_tensor", F_SCALAR_TENSOR, Opcode::tensor_scalar},
    {"reduce_all", F_REDUCE_ALL, Opcode::tensor_reduce},
    {"scale_tensor", F_SCALE_TENSOR, Opcode::activation},
    {"bias_imm", F_BIAS_IMM, Opcode::activation},
    {"accumulate", F_ACCUMULATE, Opcode::activation},
    {"negate", F_NEGATE, Opcode::tensor_reduce},
};

// Operands whose presence depends on a flag (all other operands are always required):
// present iff ((flags & flag) != 0) != when_clear.
constexpr OperandCondition kConditions[] = {
    {Opcode::tensor_scalar, 2, F_SCALAR_TENSOR, false},  // scalar
    {Opcode::activation, 2, F_BIAS_IMM, true},           // bias (unless bias_imm)
    {Opcode::activation, 3, F_ACCUMULATE, false},        // accum
};

}  // namespace

const OpInfo& op_info(Opcode op) {
  if (size_t(op) >= size_t(Opcode::kCount)) fail("opcode {} out of range", int(op));
  return kTable[size_t(op)];
}

std::optional<Opcode> parse_opcode(std::string_view name) {
  for (size_t i = 0; i < std::size(kTable); ++i)
    if (kTable[i].name == name) return Opcode(i);
  return std::nullopt;
}

std::string_view alu_name(AluOp op) {
  return size_t(op) < std::size(kAluNames) ? kAluNames[size_t(op)] : std::string_view("?");
}
std::optional<AluOp> parse_alu(std::string_view name) {
  for (size_t i = 0; i < std::size(kAluNames); ++i)
    if (kAluNames[i] == name) return AluOp(i);
  return std::nullopt;
}
std::string_view act_name(ActFunc f) {
  return size_t(f) < std::size(kActNames) ? kActNames[size_t(f)] : std::string_view("?");
}
std::optional<ActFunc> parse_act(std::string_view name) {
  for (size_t i = 0; i < std::size(kActNames); ++i)
    if (kActNames[i] == name) return ActFunc(i);
  return std::nullopt;
}

std::span<const FlagInfo> flag_infos() { return kFlags; }

std::optional<uint32_t> parse_flag(std::string_view name) {
  for (const auto& f : kFlags)
    if (f.name == name) return f.bit;
  return std::nullopt;
}

uint32_t flags_allowed(Opcode op) {
  uint32_t m = 0;
  for (const auto& f : kFlags)
    if (f.op == op) m |= f.bit;
  return m;
}

OperandPresence operand_presence(Opcode op, int slot, uint32_t flags) {
  const OpInfo& info = op_info(op);
  if (slot < 0 || slot >= info.num_operands) return OperandPresence::Forbidden;
  for (const auto& c : kConditions)
    if (c.op == op && c.slot == slot)
      return (((flags & c.flag) != 0) != c.when_clear) ? OperandPresence::Required
                                                       : OperandPresence::Forbidden;
  return OperandPresence::Required;
}

std::span<const OperandCondition> operand_conditions() { return kConditions; }

std::optional<std::string> operand_presence_error(const Instr& in) {
  const OpInfo& info = op_info(in.op);
  for (int k = 0; k < 4; ++k) {
    bool used = in.t[k].used();
    if (k >= info.num_operands) {
      if (used) return fmt::format("{} has no operand slot {} but it is used", info.name, k);
      continue;
    }
    bool required = operand_presence(in.op, k, in.flags) == OperandPresence::Required;
    if (used == required) continue;
    std::string_view role = info.operands[k].name;
    for (const auto& c : kConditions) {
      if (c.op != in.op || c.slot != k) continue;
      std::string_view flag = "?";
      for (const auto& f : kFlags)
        if (f.bit == c.flag) flag = f.name;
      if (required)
        return fmt::format("missing operand '{}' of {} (required when flag {} is {})", role, info.name,
                           flag, c.when_clear ? "clear" : "set");
      return fmt::format("operand '{}' of {} must be omitted when flag {} is {}", role, info.name, flag,
                         c.when_clear ? "set" : "clear");
    }
    return fmt::format("missing operand '{}' of {}", role, info.name);
  }
  return std::nullopt;
}

std::string_view field_name(Field f) {
  switch (f) {
    case Field::reg0: return "reg0";
    case Field::iimm0: return "iimm0";
    case Field::iimm1: return "iimm1";
    case Field::imm0: return "imm0";
    case Field::imm1: return "imm1";
    case Field::alu0: return "alu0";
    case Field::alu1: return "alu1";
    case Field::act: return "act";
    case Field::flags: return "flags";
  }
  return "?";
}

std::string_view access_name(Access a) {
  switch (a) {
    case Access::R: return "R";
    case Access::W: return "W";
    case Access::RW: return "RW";
  }
  return "?";
}

// ---------------------------------------------------------------- names from instr.h
std::string stream_name(uint32_t stream) {
  static constexpr std::string_view kFixed[] = {"pe", "dve", "act", "pool", "sp"};
  if (stream < kNumFixedStreams) return std::string(kFixed[stream]);
  return fmt::format("dma{}", stream - kNumFixedStreams);
}

std::optional<uint32_t> parse_stream(std::string_view name) {
  for (uint32_t s = 0; s < kNumFixedStreams; ++s)
    if (stream_name(s) == name) return s;
  if (name.size() > 3 && name.substr(0, 3) == "dma") {
    uint32_t q = 0;
    for (char c : name.substr(3)) {
      if (c < '0' || c > '9' || q > 100000) return std::nullopt;
      q = q * 10 + uint32_t(c - '0');
    }
    if (name.size() > 4 && name[3] == '0') return std::nullopt;  // canonical: no leading zeros
    return dma_stream(q);
  }
  return std::nullopt;
}

std::string_view space_name(Space s) {
  switch (s) {
    case Space::None: return "none";
    case Space::Hbm: return "hbm";
    case Space::Sbuf: return "sbuf";
    case Space::Psum: return "psum";
  }
  return "?";
}

std::optional<Space> parse_space(std::string_view name) {
  for (Space s : {Space::Hbm, Space::Sbuf, Space::Psum})
    if (space_name(s) == name) return s;
  return std::nullopt;
}

std::string spaces_text(uint32_t mask) {
  std::string out;
  for (Space s : {Space::Hbm, Space::Sbuf, Space::Psum})
    if (mask & (1u << uint32_t(s))) {
      if (!out.empty()) out += '|';
      out += space_name(s);
    }
  return out;
}

std::string engines_text(uint32_t mask) {
  if (mask == E_ANY) return "any";
  static constexpr std::string_view kNames[] = {"pe", "dve", "act", "pool", "sp", "dma"};
  std::string out;
  for (uint32_t i = 0; i < 6; ++i)
    if (mask & (1u << i)) {
      if (!out.empty()) out += '|';
      out += kNames[i];
    }
  return out;
}

}  // namespace npulab::isa
