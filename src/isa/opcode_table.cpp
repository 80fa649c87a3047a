// The opcode schema table, expanded from opcodes.def (X-macros) so encoding, assembly
// text, validation, scheduling and the Builder never need per-opcode code. Also the names of streams, spaces,
// ALU ops, activation functions and flags.
#include "isa/opcode_table.h"

#include <fmt/format.h>

#include "common/error.h"
#include "isa/verify.h"

#include <initializer_list>

namespace npulab::isa {
namespace {

constexpr OpInfo make_info(std::string_view name, OpKind kind, uint32_t engines,
                           std::initializer_list<OperandRole> ops,
                           std::initializer_list<FieldRole> fields, uint32_t flags, uint32_t traits,
                           ShapeVerifier verify, bool timing_hook) {
  OpInfo info{};
  info.name = name;
  info.kind = kind;
  info.engines = engines;
  for (const auto& o : ops) {
    if (o.held) info.held_slot = int8_t(info.num_operands);
    info.operands[info.num_operands++] = o;
  }
  for (const auto& f : fields) info.fields[info.num_fields++] = f;
  info.flags = flags;
  info.traits = traits;
  info.verify = verify;
  info.timing_hook = timing_hook;
  return info;
}

// Each row of opcodes.def becomes one make_info(...) call; operand and field attributes
// are constexpr member calls on the role (IF(f) -> .present_if(f), ...).
#define OPS(...) {__VA_ARGS__}
#define R(role, spaces, access, ...) OperandRole{#role, (spaces), Access::access} __VA_ARGS__
#define IF(flag) .present_if(flag)
#define UNLESS(flag) .present_unless(flag)
#define HELD .held_in_array()
#define FLDS(...) {__VA_ARGS__}
#define F(field, text, ...) FieldRole{Field::field, text} __VA_ARGS__
#define TARGET .branch_target()
#define VERIFY(v) &verify_##v
#define NO_VERIFY nullptr
#define HOOK(h) true
#define NO_HOOK false
}  // namespace

constexpr OpInfo detail::kOpInfo[] = {
#define OP(name, kind, engines, operands, fields, flags, traits, verifier, timing)                \
  make_info(#name, kind, (engines), std::initializer_list<OperandRole> operands,                \
            std::initializer_list<FieldRole> fields, (flags), (traits), verifier, timing),
#include "isa/opcodes.def"
#undef OP
};
#undef OPS
#undef R
#undef IF
#undef UNLESS
#undef HELD
#undef FLDS
#undef F
#undef TARGET
#undef VERIFY
#undef NO_VERIFY
#undef HOOK
#undef NO_HOOK
static_assert(std::size(detail::kOpInfo) == size_t(Opcode::kCount), "table rows must match opcodes");

namespace {

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

// Which flag bits exist and their text names, in bit order (the order flags are printed).
constexpr FlagInfo kFlags[] = {
    {"start", F_START},
    {"scalar_tensor", F_SCALAR_TENSOR},
    {"reduce_all", F_REDUCE_ALL},
    {"scale_tensor", F_SCALE_TENSOR, true},  // reserved: a per-partition scale tensor
    {"bias_imm", F_BIAS_IMM},
    {"accumulate", F_ACCUMULATE},
    {"negate", F_NEGATE},
};

// Every flag a row accepts exists.
constexpr bool flags_known() {
  uint32_t known = 0;
  for (const auto& f : kFlags) known |= f.bit;
  for (const auto& info : detail::kOpInfo)
    if (info.flags & ~known) return false;
  return true;
}
static_assert(flags_known(), "opcodes.def names a flag bit without a name in kFlags");

}  // namespace

void detail::bad_opcode(Opcode op) { fail("opcode {} out of range", int(op)); }

std::optional<Opcode> parse_opcode(std::string_view name) {
  for (size_t i = 0; i < std::size(detail::kOpInfo); ++i)
    if (detail::kOpInfo[i].name == name) return Opcode(i);
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

uint32_t flags_allowed(Opcode op) { return op_info(op).flags; }

OperandPresence operand_presence(Opcode op, int slot, uint32_t flags) {
  const OpInfo& info = op_info(op);
  if (slot < 0 || slot >= info.num_operands) return OperandPresence::Forbidden;
  const OperandRole& r = info.operands[slot];
  if (r.presence == Presence::Always) return OperandPresence::Required;
  return (((flags & r.flag) != 0) == (r.presence == Presence::IfSet)) ? OperandPresence::Required
                                                                      : OperandPresence::Forbidden;
}

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
    const OperandRole& r = info.operands[k];
    if (r.presence == Presence::Always) return fmt::format("missing operand '{}' of {}", r.name, info.name);
    std::string_view flag = "?";
    for (const auto& f : kFlags)
      if (f.bit == r.flag) flag = f.name;
    const bool when_clear = r.presence == Presence::IfClear;
    if (required)
      return fmt::format("missing operand '{}' of {} (required when flag {} is {})", r.name, info.name, flag,
                         when_clear ? "clear" : "set");
    return fmt::format("operand '{}' of {} must be omitted when flag {} is {}", r.name, info.name, flag,
                       when_clear ? "set" : "clear");
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
