// Canonical assembly printer. Everything is driven by op_info(): operand role names,
// field names and field kinds come from opcodes.def, so no opcode is special-cased.
// Syntax reference: docs/ISA.md.
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <iterator>

#include "isa/asm.h"
#include "isa/asm_text.h"
#include "isa/opcode_table.h"

namespace npulab::isa {

std::string float_text(float v) {
  uint32_t bits = std::bit_cast<uint32_t>(v);
  if (v != v) {  // NaN: keep the exact payload so text round-trips bit for bit
    return bits == 0x7fc00000u ? std::string("nan") : fmt::format("nan(0x{:08x})", bits);
  }
  return fmt::format("{}", v);  // shortest representation that parses back to the same float
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

namespace {
// Appending helpers: printing a large program must not allocate per token.
template <class... Args>
void put(std::string& out, fmt::format_string<Args...> f, Args&&... args) {
  fmt::format_to(std::back_inserter(out), f, std::forward<Args>(args)...);
}

// sbuf:bf16[0:128]@4096+r3*512{1x512}   hbm:f32[0:128/4096]@0{1x512}
// sbuf:f32[32:128:bcast]@0{1x512} (partition-broadcast: 128 lanes read partition 32)
void append_tensor(std::string& s, const TensorRef& t) {
  put(s, "{}:{}[{}:{}", space_name(t.space), dtype_name(t.dtype), t.part_start, t.part_count);
  if (t.space == Space::Hbm || t.part_stride != 0) put(s, "/{}", t.part_stride);
  if (t.part_bcast) s += ":bcast";
  put(s, "]@{}", t.offset);
  if (t.offset_reg >= 0) put(s, "+r{}*{}", t.offset_reg, t.offset_reg_scale);
  s += '{';
  for (int d = 0; d < t.ndim && d < 4; ++d) put(s, "{}{}x{}", d ? "," : "", t.dims[d].stride, t.dims[d].size);
  s += '}';
}

// s3>=5   s4>=r2*8+1
void append_wait(std::string& s, const SemWait& w) {
  put(s, "s{}>=", w.sem);
  if (w.reg < 0) return put(s, "{}", w.value);
  put(s, "r{}*{}", w.reg, w.reg_scale);
  if (w.value != 0) put(s, "{}{}", w.value > 0 ? "+" : "", w.value);
}
}  // namespace

std::string tensor_text(const TensorRef& t) {
  std::string s;
  append_tensor(s, t);
  return s;
}

std::string wait_text(const SemWait& w) {
  std::string s;
  append_wait(s, w);
  return s;
}

std::string flags_text(uint32_t flags) {
  std::string s;
  for (const auto& f : flag_infos()) {
    if (flags & f.bit) {
      if (!s.empty()) s += '|';
      s += f.name;
      flags &= ~f.bit;
    }
  }
  if (flags) s += fmt::format("{}0x{:x}", s.empty() ? "" : "|", flags);  // unknown bits stay visible
  return s.empty() ? "none" : s;
}

std::string field_text(const Instr& in, Field f) {
  switch (f) {
    case Field::reg0: return fmt::format("r{}", in.reg0);
    case Field::iimm0: return fmt::format("{}", in.iimm0);
    case Field::iimm1: return fmt::format("{}", in.iimm1);
    case Field::imm0: return float_text(in.imm0);
    case Field::imm1: return float_text(in.imm1);
    case Field::alu0: return std::string(alu_name(in.alu0));
    case Field::alu1: return std::string(alu_name(in.alu1));
    case Field::act: return std::string(act_name(in.act));
    case Field::flags: return flags_text(in.flags);
  }
  return "?";
}

static void append_instr(std::string& s, const Instr& in) {
  const OpInfo& info = op_info(in.op);
  s += info.name;
  for (int i = 0; i < info.num_operands; ++i) {
    if (!in.t[i].used()) continue;
    put(s, " {}=", info.operands[i].name);
    append_tensor(s, in.t[i]);
  }
  for (int i = 0; i < info.num_fields; ++i) {
    const FieldRole& f = info.fields[i];
    if (f.field == Field::flags && in.flags == 0) continue;  // the common case stays short
    put(s, " {}={}", f.name, field_text(in, f.field));
  }
  for (int i = 0; i < in.num_waits && i < int(kMaxWaits); ++i) {
    s += " wait=";
    append_wait(s, in.waits[i]);
  }
  if (in.signal >= 0 && in.signal_core >= 0) put(s, " signal=c{}.s{}", in.signal_core, in.signal);
  else if (in.signal >= 0) put(s, " signal=s{}", in.signal);
}

std::string to_text(const Instr& in) {
  std::string s;
  append_instr(s, in);
  return s;
}

std::string print_executable(const Executable& exe) {
  std::string out = "# npulab assembly (docs/ISA.md)\n";
  out += fmt::format(".executable {}\n.chip {}\n", quoted(exe.name), quoted(exe.chip));
  for (const auto& t : exe.tensors) {
    std::string shape;
    for (size_t i = 0; i < t.shape.size(); ++i) shape += fmt::format("{}{}", i ? "," : "", t.shape[i]);
    out += fmt::format(".tensor {} kind={} dtype={} shape=[{}] hbm={}\n", quoted(t.name),
                       tensor_kind_name(t.kind), dtype_name(t.dtype), shape, t.hbm_offset);
  }
  for (const auto& c : exe.constants) {
    out += fmt::format(".const hbm={} bytes={}\n", c.hbm_offset, c.bytes.size());
    constexpr size_t kPerLine = 32;
    for (size_t i = 0; i < c.bytes.size(); i += kPerLine) {
      out += ".data ";
      for (size_t j = i; j < std::min(c.bytes.size(), i + kPerLine); ++j) {
        static constexpr char kHex[] = "0123456789abcdef";
        out += kHex[c.bytes[j] >> 4];
        out += kHex[c.bytes[j] & 15];
      }
      out += '\n';
    }
  }
  for (size_t c = 0; c < exe.cores.size(); ++c) {
    out += fmt::format("\n.core {}\n", c);
    const auto& streams = exe.cores[c].streams;
    for (size_t s = 0; s < streams.size(); ++s) {
      out += fmt::format(".stream {}\n", stream_name(uint32_t(s)));
      for (const auto& in : streams[s]) {
        out += "  ";
        append_instr(out, in);
        out += '\n';
      }
    }
  }
  return out;
}

std::string_view tensor_kind_name(TensorDecl::Kind k) {
  switch (k) {
    case TensorDecl::Kind::Input: return "input";
    case TensorDecl::Kind::Output: return "output";
    case TensorDecl::Kind::Scratch: return "scratch";
    case TensorDecl::Kind::Constant: return "constant";
  }
  return "?";
}

}  // namespace npulab::isa
