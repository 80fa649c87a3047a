// The .npx binary container. Layout (all little-endian, docs/ISA.md has the full table):
//   "NPULABX1" u32 version u32 section_count, then sections {u32 tag, u64 length, payload}:
//   META (name, chip), TENS (tensor declarations), CNST (constants), CORE (one per core:
//   streams of instructions). Instructions are encoded from the opcode schema: opcode,
//   waits, signal, then only the operands and fields that opcode lists.
// Versions: 1 = the original format; 2 adds cross-core signals (bit 7 of the num_waits
// byte: a u8 signal core follows the signal). The encoder writes the lowest version that
// holds the program (1 unless some instruction signals another core), so every older
// program keeps its bytes; the decoder reads both. 3 adds partition-broadcast operands
// (bit 7 of an operand's ndim byte: TensorRef::part_bcast), written only when one is used.
// The decoder trusts nothing: each read is bounds-checked, each enum range-checked and each
// count compared with the bytes left before anything is allocated; errors name the byte
// offset and the field.
#include "isa/container.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>

#include "common/error.h"
#include "isa/asm.h"
#include "isa/opcode_table.h"

namespace npulab::isa {
namespace {

constexpr char kMagic[8] = {'N', 'P', 'U', 'L', 'A', 'B', 'X', '1'};
constexpr uint32_t tag(const char (&s)[5]) {
  return uint32_t(uint8_t(s[0])) | uint32_t(uint8_t(s[1])) << 8 | uint32_t(uint8_t(s[2])) << 16 |
         uint32_t(uint8_t(s[3])) << 24;
}
constexpr uint32_t kMeta = tag("META"), kTens = tag("TENS"), kCnst = tag("CNST"), kCore = tag("CORE");
constexpr size_t kMinInstrBytes = 4;   // opcode, num_waits, signal
constexpr uint8_t kRemoteSignalBit = 0x80;  // (version 2) in num_waits: a signal core follows
constexpr uint8_t kBroadcastBit = 0x80;     // (version 3) in an operand's ndim: part_bcast
constexpr size_t kMinTensorBytes = 18; // name length, kind, dtype, rank, hbm offset
constexpr size_t kMinConstBytes = 16;  // offset, size

// ---------------------------------------------------------------- encoding
class Writer {
 public:
  std::vector<uint8_t> out;
  template <class T>
  void put(T v) {
    static_assert(std::is_integral_v<T>);
    using U = std::make_unsigned_t<T>;
    U u = U(v);
    for (size_t i = 0; i < sizeof(T); ++i) out.push_back(uint8_t(u >> (8 * i)));
  }
  void put_f32(float v) { put(std::bit_cast<uint32_t>(v)); }
  void put_str(const std::string& s) {
    put(uint32_t(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
  // Begin a section; returns where its length goes, patched by end_section.
  size_t begin_section(uint32_t t) {
    put(t);
    size_t at = out.size();
    put(uint64_t(0));
    return at;
  }
  void end_section(size_t at) {
    uint64_t len = out.size() - at - 8;
    for (size_t i = 0; i < 8; ++i) out[at + i] = uint8_t(len >> (8 * i));
  }
};

void encode_tensor(Writer& w, const TensorRef& t) {
  uint8_t ndim = t.ndim > 4 ? 4 : t.ndim;
  w.put(uint8_t(ndim | (ndim && t.part_bcast ? kBroadcastBit : 0)));
  if (!ndim) return;
  w.put(uint8_t(t.space));
  w.put(uint8_t(t.dtype));
  w.put(t.part_start);
  w.put(t.part_count);
  w.put(t.part_stride);
  w.put(t.offset);
  w.put(t.offset_reg < 0 ? int8_t(-1) : t.offset_reg);
  if (t.offset_reg >= 0) w.put(t.offset_reg_scale);
  for (int d = 0; d < ndim; ++d) {
    w.put(t.dims[d].stride);
    w.put(t.dims[d].size);
  }
}

void encode_instr(Writer& w, const Instr& in) {
  const OpInfo& info = op_info(in.op);
  uint8_t nw = in.num_waits > kMaxWaits ? uint8_t(kMaxWaits) : in.num_waits;
  const bool remote = in.signal >= 0 && in.signal_core >= 0;
  w.put(uint8_t(in.op));
  w.put(uint8_t(nw | (remote ? kRemoteSignalBit : 0)));
  w.put(in.signal < 0 ? int16_t(-1) : in.signal);
  if (remote) w.put(uint8_t(in.signal_core));
  for (int i = 0; i < nw; ++i) {
    const SemWait& s = in.waits[i];
    w.put(s.sem);
    w.put(s.reg < 0 ? int8_t(-1) : s.reg);
    w.put(s.value);
    if (s.reg >= 0) w.put(s.reg_scale);
  }
  for (int k = 0; k < info.num_operands; ++k) encode_tensor(w, in.t[k]);
  for (int k = 0; k < info.num_fields; ++k) {
    switch (info.fields[k].field) {
      case Field::reg0: w.put(in.reg0); break;
      case Field::iimm0: w.put(in.iimm0); break;
      case Field::iimm1: w.put(in.iimm1); break;
      case Field::imm0: w.put_f32(in.imm0); break;
      case Field::imm1: w.put_f32(in.imm1); break;
      case Field::alu0: w.put(uint8_t(in.alu0)); break;
      case Field::alu1: w.put(uint8_t(in.alu1)); break;
      case Field::act: w.put(uint8_t(in.act)); break;
      case Field::flags: w.put(in.flags); break;
    }
  }
}

// ---------------------------------------------------------------- decoding
// Name of the field being read, formatted only if an error is raised (decoding must not
// allocate per field): "opcode", or "operand dst" + " dtype".
struct FieldName {
  std::string_view role, what;
  FieldName(const char* w) : what(w) {}
  FieldName(std::string_view w) : what(w) {}
  FieldName(std::string_view r, std::string_view w) : role(r), what(w) {}
  std::string str() const { return role.empty() ? std::string(what) : fmt::format("operand {} {}", role, what); }
};

class Reader {
 public:
  Reader(const uint8_t* d, size_t n, std::string_view src) : d_(d), end_(n), src_(src) {}

  // Where we are, for messages: "core 1, stream dma2, instr 7" (set by the decoder).
  int64_t core = -1, stream = -1, instr = -1;
  uint32_t version = 0;  // of the container being read

  [[noreturn]] void error(size_t at, FieldName field, const std::string& msg) const {
    std::string where;
    if (core >= 0) where += fmt::format("core {}, ", core);
    if (stream >= 0) where += fmt::format("stream {}, ", stream_name(uint32_t(stream)));
    if (instr >= 0) where += fmt::format("instr {}, ", instr);
    fail("{}: byte {}: {}{}: {}", src_, at, where, field.str(), msg);
  }
  size_t pos() const { return pos_; }
  size_t left() const { return end_ - pos_; }

  template <class T>
  T get(FieldName field) {
    static_assert(std::is_integral_v<T>);
    if (left() < sizeof(T))
      error(pos_, field, fmt::format("truncated: need {} bytes, {} left", sizeof(T), left()));
    std::make_unsigned_t<T> u = 0;
    for (size_t i = 0; i < sizeof(T); ++i) u |= std::make_unsigned_t<T>(d_[pos_ + i]) << (8 * i);
    pos_ += sizeof(T);
    return T(u);
  }
  float get_f32(FieldName field) { return std::bit_cast<float>(get<uint32_t>(field)); }

  // An enum stored as u8, checked to be < limit.
  template <class E>
  E get_enum(FieldName field, uint32_t limit, uint32_t lowest = 0) {
    size_t at = pos_;
    uint8_t v = get<uint8_t>(field);
    if (v < lowest || v >= limit)
      error(at, field, fmt::format("value {} out of range [{}, {})", v, lowest, limit));
    return E(v);
  }
  // A count of items each at least min_bytes long: must fit in what is left.
  uint64_t get_count(FieldName field, size_t min_bytes) {
    size_t at = pos_;
    uint32_t n = get<uint32_t>(field);
    if (uint64_t(n) * min_bytes > left())
      error(at, field, fmt::format("count {} too large for the {} bytes left", n, left()));
    return n;
  }
  std::string get_str(FieldName field) {
    size_t n = get_count(field, 1);
    std::string s(reinterpret_cast<const char*>(d_ + pos_), n);
    pos_ += n;
    return s;
  }
  void get_bytes(std::vector<uint8_t>& out, uint64_t n) {
    out.assign(d_ + pos_, d_ + pos_ + n);
    pos_ += n;
  }
  // Restrict reading to [pos, pos+len) for one section; returns the old end.
  size_t limit_to(uint64_t len) {
    size_t old = end_;
    end_ = pos_ + len;
    return old;
  }
  void restore_end(size_t old) { end_ = old; }

 private:
  const uint8_t* d_;
  size_t end_;
  std::string_view src_;
  size_t pos_ = 0;
};

TensorRef decode_tensor(Reader& r, std::string_view role) {
  TensorRef t;
  size_t at = r.pos();
  t.ndim = r.get<uint8_t>({role, "ndim"});
  if (r.version >= 3 && (t.ndim & kBroadcastBit)) {
    t.ndim &= uint8_t(~kBroadcastBit);
    t.part_bcast = true;
    if (!t.ndim) r.error(at, {role, "ndim"}, "partition-broadcast bit set on an unused operand (ndim 0)");
  }
  if (t.ndim > 4) r.error(at, {role, "ndim"}, fmt::format("value {} out of range [0, 4]", t.ndim));
  if (!t.ndim) return t;
  t.space = r.get_enum<Space>({role, "space"}, 4, 1);
  t.dtype = r.get_enum<DType>({role, "dtype"}, uint32_t(DType::kCount));
  t.part_start = r.get<uint16_t>({role, "part_start"});
  t.part_count = r.get<uint16_t>({role, "part_count"});
  t.part_stride = r.get<int64_t>({role, "part_stride"});
  t.offset = r.get<uint64_t>({role, "offset"});
  at = r.pos();
  t.offset_reg = r.get<int8_t>({role, "offset_reg"});
  if (t.offset_reg < -1) r.error(at, {role, "offset_reg"}, fmt::format("value {} out of range [-1, 127]", t.offset_reg));
  if (t.offset_reg >= 0) t.offset_reg_scale = r.get<int64_t>({role, "offset_reg_scale"});
  for (int d = 0; d < t.ndim; ++d) {
    t.dims[d].stride = r.get<int32_t>({role, "dim stride"});
    t.dims[d].size = r.get<uint32_t>({role, "dim size"});
  }
  return t;
}

Instr decode_instr(Reader& r) {
  const size_t start = r.pos();
  Instr in;
  in.op = r.get_enum<Opcode>("opcode", uint32_t(Opcode::kCount));
  const OpInfo& info = op_info(in.op);
  size_t at = r.pos();
  in.num_waits = r.get<uint8_t>("num_waits");
  const bool remote = r.version >= 2 && (in.num_waits & kRemoteSignalBit);
  if (remote) in.num_waits &= uint8_t(~kRemoteSignalBit);
  if (in.num_waits > kMaxWaits) r.error(at, "num_waits", fmt::format("value {} exceeds {}", in.num_waits, kMaxWaits));
  at = r.pos();
  in.signal = r.get<int16_t>("signal");
  if (in.signal < -1) r.error(at, "signal", fmt::format("value {} out of range [-1, 32767]", in.signal));
  if (remote) {
    at = r.pos();
    const uint8_t c = r.get<uint8_t>("signal core");
    if (in.signal < 0) r.error(at, "signal core", "a signal core without a signal");
    if (c > 127) r.error(at, "signal core", fmt::format("value {} out of range [0, 127]", c));
    in.signal_core = int8_t(c);
  }
  for (int i = 0; i < in.num_waits; ++i) {
    SemWait& w = in.waits[i];
    w.sem = r.get<uint16_t>("wait sem");
    at = r.pos();
    w.reg = r.get<int8_t>("wait reg");
    if (w.reg < -1) r.error(at, "wait reg", fmt::format("value {} out of range [-1, 127]", w.reg));
    w.value = r.get<int64_t>("wait value");
    if (w.reg >= 0) w.reg_scale = r.get<int64_t>("wait reg_scale");
  }
  for (int k = 0; k < info.num_operands; ++k) in.t[k] = decode_tensor(r, info.operands[k].name);
  for (int k = 0; k < info.num_fields; ++k) {
    std::string_view name = info.fields[k].name;
    switch (info.fields[k].field) {
      case Field::reg0: in.reg0 = r.get<uint8_t>(name); break;
      case Field::iimm0: in.iimm0 = r.get<int64_t>(name); break;
      case Field::iimm1: in.iimm1 = r.get<int64_t>(name); break;
      case Field::imm0: in.imm0 = r.get_f32(name); break;
      case Field::imm1: in.imm1 = r.get_f32(name); break;
      case Field::alu0: in.alu0 = r.get_enum<AluOp>(name, uint32_t(AluOp::kCount)); break;
      case Field::alu1: in.alu1 = r.get_enum<AluOp>(name, uint32_t(AluOp::kCount)); break;
      case Field::act: in.act = r.get_enum<ActFunc>(name, uint32_t(ActFunc::kCount)); break;
      case Field::flags: {
        at = r.pos();
        in.flags = r.get<uint32_t>(name);
        uint32_t known = 0;
        for (const auto& f : flag_infos()) known |= f.bit;
        if (in.flags & ~known) r.error(at, FieldName(name), fmt::format("unknown flag bits 0x{:x}", in.flags & ~known));
        break;
      }
    }
  }
  // Same structural rule as the assembler, so whatever decodes can be disassembled and
  // reassembled.
  if (auto err = operand_presence_error(in)) r.error(start, "operands", *err);
  return in;
}

void decode_core(Reader& r, CoreProgram& core) {
  uint64_t ns = r.get_count("num_streams", 4);
  core.streams.resize(ns);
  for (uint64_t s = 0; s < ns; ++s) {
    r.stream = int64_t(s);
    uint64_t n = r.get_count("num_instrs", kMinInstrBytes);
    auto& v = core.streams[s];
    v.reserve(std::min<uint64_t>(n, 1u << 16));  // grow as decoded; do not trust n
    for (uint64_t i = 0; i < n; ++i) {
      r.instr = int64_t(i);
      v.push_back(decode_instr(r));
    }
    r.instr = -1;
  }
  r.stream = -1;
}

}  // namespace

uint32_t min_version(const Executable& exe) {
  uint32_t v = 1;
  for (const auto& core : exe.cores)
    for (const auto& s : core.streams)
      for (const auto& in : s) {
        if (in.signal >= 0 && in.signal_core >= 0) v = std::max(v, 2u);
        for (const auto& t : in.t)
          if (t.used() && t.part_bcast) return 3;
      }
  return v;
}

std::vector<uint8_t> encode_executable(const Executable& exe) {
  Writer w;
  w.out.insert(w.out.end(), std::begin(kMagic), std::end(kMagic));
  w.put(min_version(exe));
  w.put(uint32_t(3 + exe.cores.size()));
  size_t at = w.begin_section(kMeta);
  w.put_str(exe.name);
  w.put_str(exe.chip);
  w.end_section(at);
  at = w.begin_section(kTens);
  w.put(uint32_t(exe.tensors.size()));
  for (const auto& t : exe.tensors) {
    w.put_str(t.name);
    w.put(uint8_t(t.kind));
    w.put(uint8_t(t.dtype));
    w.put(uint32_t(t.shape.size()));
    for (auto d : t.shape) w.put(d);
    w.put(t.hbm_offset);
  }
  w.end_section(at);
  at = w.begin_section(kCnst);
  w.put(uint32_t(exe.constants.size()));
  for (const auto& c : exe.constants) {
    w.put(c.hbm_offset);
    w.put(uint64_t(c.bytes.size()));
    w.out.insert(w.out.end(), c.bytes.begin(), c.bytes.end());
  }
  w.end_section(at);
  for (const auto& core : exe.cores) {
    at = w.begin_section(kCore);
    w.put(uint32_t(core.streams.size()));
    for (const auto& s : core.streams) {
      w.put(uint32_t(s.size()));
      for (const auto& in : s) encode_instr(w, in);
    }
    w.end_section(at);
  }
  return std::move(w.out);
}

Executable decode_executable(const uint8_t* data, size_t size, std::string_view source_name) {
  Reader r(data, size, source_name);
  if (size < sizeof(kMagic) && std::memcmp(data, kMagic, size) == 0)
    r.error(0, "magic", fmt::format("truncated executable: {} bytes, the magic \"NPULABX1\" alone needs 8", size));
  if (size < sizeof(kMagic) || std::memcmp(data, kMagic, sizeof(kMagic)) != 0)
    r.error(0, "magic", "not an npulab executable (expected \"NPULABX1\")");
  for (size_t i = 0; i < sizeof(kMagic); ++i) r.get<uint8_t>("magic");
  size_t at = r.pos();
  uint32_t version = r.get<uint32_t>("version");
  if (version < 1 || version > Executable::kVersion)
    r.error(at, "version", fmt::format("unsupported version {} (this build reads 1 to {})", version, Executable::kVersion));
  r.version = version;
  uint64_t nsec = r.get_count("section_count", 12);
  Executable exe;
  bool seen_meta = false, seen_tens = false, seen_cnst = false;
  for (uint64_t s = 0; s < nsec; ++s) {
    size_t sec_at = r.pos();
    uint32_t t = r.get<uint32_t>("section tag");
    size_t len_at = r.pos();
    uint64_t len = r.get<uint64_t>("section length");
    if (len > r.left()) r.error(len_at, "section length", fmt::format("{} exceeds the {} bytes left", len, r.left()));
    size_t old_end = r.limit_to(len);
    auto once = [&](bool& seen, std::string_view name) {
      if (seen) r.error(sec_at, "section tag", fmt::format("duplicate {} section", name));
      seen = true;
    };
    if (t == kMeta) {
      once(seen_meta, "META");
      exe.name = r.get_str("executable name");
      exe.chip = r.get_str("chip name");
    } else if (t == kTens) {
      once(seen_tens, "TENS");
      uint64_t n = r.get_count("num_tensors", kMinTensorBytes);
      for (uint64_t i = 0; i < n; ++i) {
        TensorDecl d;
        d.name = r.get_str("tensor name");
        d.kind = r.get_enum<TensorDecl::Kind>("tensor kind", 4);
        d.dtype = r.get_enum<DType>("tensor dtype", uint32_t(DType::kCount));
        const size_t shape_at = r.pos();
        uint64_t rank = r.get_count("tensor rank", 8);
        for (uint64_t k = 0; k < rank; ++k) d.shape.push_back(r.get<uint64_t>("tensor shape"));
        if (!product_exact(std::span<const uint64_t>(d.shape), dtype_size(d.dtype)))
          r.error(shape_at, "tensor shape",
                  fmt::format("tensor '{}': byte size ({} bytes per element x the shape) does not fit 64 bits",
                              d.name, dtype_size(d.dtype)));
        d.hbm_offset = r.get<uint64_t>("tensor hbm offset");
        exe.tensors.push_back(std::move(d));
      }
    } else if (t == kCnst) {
      once(seen_cnst, "CNST");
      uint64_t n = r.get_count("num_constants", kMinConstBytes);
      for (uint64_t i = 0; i < n; ++i) {
        Constant c;
        c.hbm_offset = r.get<uint64_t>("constant hbm offset");
        size_t sz_at = r.pos();
        uint64_t sz = r.get<uint64_t>("constant size");
        if (sz > r.left()) r.error(sz_at, "constant size", fmt::format("{} exceeds the {} bytes left", sz, r.left()));
        r.get_bytes(c.bytes, sz);
        exe.constants.push_back(std::move(c));
      }
    } else if (t == kCore) {
      r.core = int64_t(exe.cores.size());
      decode_core(r, exe.cores.emplace_back());
      r.core = -1;
    } else {
      r.error(sec_at, "section tag", fmt::format("unknown section 0x{:08x}", t));
    }
    if (r.left() != 0) r.error(r.pos(), "section end", fmt::format("{} unread bytes at the end of the section", r.left()));
    r.restore_end(old_end);
  }
  if (!seen_meta) r.error(r.pos(), "META section", "missing");
  if (r.left() != 0) r.error(r.pos(), "end of file", fmt::format("{} trailing bytes", r.left()));
  return exe;
}

void write_executable_file(const Executable& exe, const std::string& path) {
  bool text = path.size() >= 2 && path.compare(path.size() - 2, 2, ".s") == 0;
  std::ofstream f(path, std::ios::binary);
  if (!f) fail("{}: cannot open for writing", path);
  if (text) {
    std::string s = print_executable(exe);
    f.write(s.data(), std::streamsize(s.size()));
  } else {
    auto bytes = encode_executable(exe);
    f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  }
  if (!f) fail("{}: write failed", path);
}

ProgramFormat detect_program_format(const uint8_t* data, size_t size, std::string_view source_name) {
  if (size == 0)
    fail("{}: empty file (expected npulab assembly text or an .npx executable)", source_name);
  // A file starting like the magic ("NPULAB", or a prefix of it when shorter) is a
  // container: the decoder names a truncated header or a wrong version letter, instead of
  // the assembler reporting "unknown directive" for 5 stray bytes.
  if (std::memcmp(data, kMagic, std::min<size_t>(size, 6)) == 0) return ProgramFormat::Binary;
  if (const void* nul = std::memchr(data, 0, size))
    fail("{}: not an npulab program: binary data (a NUL byte at offset {}) without the .npx magic \"NPULABX1\"",
         source_name, static_cast<const uint8_t*>(nul) - data);
  return ProgramFormat::Text;
}

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail("{}: cannot open", path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) fail("{}: read failed", path);
  return bytes;
}

Executable read_executable_file(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  if (detect_program_format(bytes.data(), bytes.size(), path) == ProgramFormat::Binary)
    return decode_executable(bytes.data(), bytes.size(), path);
  return parse_executable(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path);
}

}  // namespace npulab::isa
