// Assembly parser: line-based, '#' comments, driven by op_info() like the printer.
// Every error names the source, line and column and what was expected (docs/ISA.md).
#include <fmt/format.h>

#include <bit>
#include <cctype>
#include <charconv>
#include <limits>

#include "common/error.h"
#include "isa/asm.h"
#include "isa/asm_text.h"
#include "isa/opcode_table.h"

namespace npulab::isa {
namespace {

// A cursor over one token (or the rest of a line) that knows its column for errors.
class Scan {
 public:
  Scan(std::string_view text, std::string_view src, int line, int col)
      : s_(text), src_(src), line_(line), col0_(col) {}

  [[noreturn]] void error(const std::string& msg) const { error_at(pos_, msg); }
  [[noreturn]] void error_at(size_t pos, const std::string& msg) const {
    fail("{}:{}:{}: {}", src_, line_, col0_ + int(pos), msg);
  }
  size_t pos() const { return pos_; }
  [[noreturn]] void error_word(const std::string& msg) const { error_at(last_word_, msg); }
  bool done() const { return pos_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[pos_]; }
  bool accept(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  bool accept(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  void expect(char c, std::string_view what) {
    if (!accept(c)) error(fmt::format("expected '{}' {}, got {}", c, what, rest_desc()));
  }
  void expect_end(std::string_view what) {
    if (!done()) error(fmt::format("unexpected {} after {}", rest_desc(), what));
  }
  std::string rest_desc() const {
    return done() ? std::string("end of token") : fmt::format("'{}'", s_.substr(pos_, 12));
  }
  // [a-z0-9_]+
  std::string_view word() {
    size_t b = last_word_ = pos_;
    while (!done() && (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_')) ++pos_;
    return s_.substr(b, pos_ - b);
  }

  // Signed decimal or 0x-hex integer, range-checked into T.
  // allow_hex is off where an 'x' may follow a 0 (the stride of "0x512").
  template <class T>
  T integer(std::string_view what, bool allow_hex = true) {
    size_t b = pos_;
    bool neg = accept('-');
    if (!neg) accept('+');
    int base = 10;
    if (allow_hex && (accept("0x") || accept("0X"))) base = 16;
    unsigned long long mag = 0;
    const char* first = s_.data() + pos_;
    auto [p, ec] = std::from_chars(first, s_.data() + s_.size(), mag, base);
    if (p == first) {
      pos_ = b;
      error(fmt::format("expected an integer for {}, got {}", what, rest_desc()));
    }
    pos_ += size_t(p - first);
    using L = std::numeric_limits<T>;
    bool ok = ec == std::errc();
    if (ok && neg) ok = L::is_signed && mag <= (unsigned long long)(L::max()) + 1;
    if (ok && !neg) ok = mag <= (unsigned long long)(L::max());
    if (!ok) {
      pos_ = b;
      error(fmt::format("integer {} out of range for {} [{}, {}]", s_.substr(b, size_t(p - s_.data()) - b),
                        what, L::min(), L::max()));
    }
    if (neg) return mag == 0 ? T(0) : T(-1 - T(mag - 1));
    return T(mag);
  }

  // Exact float: shortest decimal, inf/-inf, nan or nan(0xBITS).
  float real(std::string_view what) {
    size_t b = pos_;
    if (accept("nan")) {
      if (!accept('(')) return std::bit_cast<float>(0x7fc00000u);
      uint32_t bits = integer<uint32_t>("NaN bits");
      expect(')', "after NaN bits");
      float v = std::bit_cast<float>(bits);
      if (v == v) {
        pos_ = b;
        error(fmt::format("nan(0x{:08x}) for {} is not a NaN bit pattern", bits, what));
      }
      return v;
    }
    float v = 0;
    const char* first = s_.data() + pos_;
    auto [p, ec] = std::from_chars(first, s_.data() + s_.size(), v, std::chars_format::general);
    std::string_view got = s_.substr(pos_, size_t(p - first));
    if (p == first || got.find("nan") != std::string_view::npos ||
        got.find("NAN") != std::string_view::npos)
      error(fmt::format("expected a number for {}, got {}", what, rest_desc()));
    if (ec != std::errc()) error(fmt::format("number {} out of float range for {}", got, what));
    pos_ += size_t(p - first);
    return v;
  }

  // r<N> register number, N in [0, max of T].
  template <class T>
  T reg(std::string_view what) {
    if (!accept('r')) error(fmt::format("expected a register rN for {}, got {}", what, rest_desc()));
    size_t at = pos_;
    T r = integer<T>(what);
    if (r < 0) error_at(at, fmt::format("register number for {} must be >= 0", what));
    return r;
  }

 private:
  std::string_view s_;
  std::string_view src_;
  int line_, col0_;
  size_t pos_ = 0;
  size_t last_word_ = 0;
};

// One whitespace-separated token with its starting column (1-based).
struct Token {
  std::string_view text;
  int col;
};

TensorRef parse_tensor(Scan& sc) {
  TensorRef t;
  size_t at = sc.pos();
  std::string_view sp = sc.word();
  auto space = parse_space(sp);
  if (!space) sc.error_at(at, fmt::format("unknown memory space '{}' (expected hbm, sbuf or psum)", sp));
  t.space = *space;
  sc.expect(':', "after the memory space");
  at = sc.pos();
  std::string_view dt = sc.word();
  auto dtype = parse_dtype(dt);
  if (!dtype) sc.error_at(at, fmt::format("unknown dtype '{}'", dt));
  t.dtype = *dtype;
  sc.expect('[', "before the partition range");
  t.part_start = sc.integer<uint16_t>("partition start");
  sc.expect(':', "between partition start and count");
  t.part_count = sc.integer<uint16_t>("partition count");
  if (sc.accept('/')) t.part_stride = sc.integer<int64_t>("partition stride");
  if (sc.accept(':')) {
    at = sc.pos();
    if (sc.word() != "bcast")
      sc.error_at(at, "expected 'bcast' (a partition-broadcast operand) after the partition range's second ':'");
    t.part_bcast = true;
  }
  sc.expect(']', "after the partition range");
  sc.expect('@', "before the byte offset");
  t.offset = sc.integer<uint64_t>("byte offset");
  if (sc.accept('+')) {
    t.offset_reg = sc.reg<int8_t>("offset register");
    sc.expect('*', "between offset register and scale");
    t.offset_reg_scale = sc.integer<int64_t>("offset register scale");
  }
  sc.expect('{', "before the access pattern");
  do {
    if (t.ndim == 4) sc.error("more than 4 free dimensions");
    Dim& d = t.dims[t.ndim++];
    d.stride = sc.integer<int32_t>("dimension stride", /*allow_hex=*/false);
    sc.expect('x', "between stride and size (stride x size)");
    d.size = sc.integer<uint32_t>("dimension size");
  } while (sc.accept(','));
  sc.expect('}', "after the access pattern");
  sc.expect_end("the tensor");
  return t;
}

SemWait parse_wait(Scan& sc) {
  SemWait w;
  sc.expect('s', "(semaphore sN)");
  w.sem = sc.integer<uint16_t>("semaphore id");
  if (!sc.accept(">=")) sc.error(fmt::format("expected '>=' in wait, got {}", sc.rest_desc()));
  if (sc.peek() == 'r') {
    w.reg = sc.reg<int8_t>("wait register");
    sc.expect('*', "between wait register and scale");
    w.reg_scale = sc.integer<int64_t>("wait register scale");
    if (!sc.done()) w.value = sc.integer<int64_t>("wait value");  // "+1" / "-3"
  } else {
    w.value = sc.integer<int64_t>("wait value");
  }
  sc.expect_end("the wait");
  return w;
}

uint32_t parse_flags(Scan& sc) {
  if (sc.accept("none")) {
    sc.expect_end("flags");
    return 0;
  }
  uint32_t flags = 0;
  do {
    std::string_view name = sc.word();
    auto bit = parse_flag(name);
    if (!bit) {
      std::string names;
      for (const auto& f : flag_infos()) names += fmt::format("{}{}", names.empty() ? "" : ", ", f.name);
      sc.error_word(fmt::format("unknown flag '{}' (expected none or a |-list of: {})", name, names));
    }
    flags |= *bit;
  } while (sc.accept('|'));
  sc.expect_end("flags");
  return flags;
}

void parse_field(Scan& sc, Instr& in, Field f, std::string_view name) {
  switch (f) {
    case Field::reg0: in.reg0 = sc.reg<uint8_t>(name); break;
    case Field::iimm0: in.iimm0 = sc.integer<int64_t>(name); break;
    case Field::iimm1: in.iimm1 = sc.integer<int64_t>(name); break;
    case Field::imm0: in.imm0 = sc.real(name); break;
    case Field::imm1: in.imm1 = sc.real(name); break;
    case Field::alu0:
    case Field::alu1: {
      std::string_view w = sc.word();
      auto op = parse_alu(w);
      if (!op) sc.error_word(fmt::format("unknown ALU op '{}' for {}", w, name));
      (f == Field::alu0 ? in.alu0 : in.alu1) = *op;
      break;
    }
    case Field::act: {
      std::string_view w = sc.word();
      auto a = parse_act(w);
      if (!a) sc.error_word(fmt::format("unknown activation function '{}' for {}", w, name));
      in.act = *a;
      break;
    }
    case Field::flags: in.flags = parse_flags(sc); return;
  }
  sc.expect_end(name);
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view src) : text_(text), src_(src) {}

  Executable run() {
    size_t pos = 0;
    while (pos <= text_.size()) {
      size_t nl = text_.find('\n', pos);
      if (nl == std::string_view::npos) nl = text_.size();
      ++line_;
      line(text_.substr(pos, nl - pos));
      pos = nl + 1;
    }
    finish_const();
    if (!any_statement_)
      fail("{}: no program: the text holds no directive or instruction (expected .executable, .core, "
           ".stream ...; docs/ISA.md)", src_);
    return std::move(exe_);
  }

 private:
  [[noreturn]] void error(int col, const std::string& msg) const {
    fail("{}:{}:{}: {}", src_, line_, col, msg);
  }
  Scan scan(const Token& t) const { return Scan(t.text, src_, line_, t.col); }

  // Split a line into tokens at whitespace (not inside quotes); '#' outside quotes ends it.
  std::vector<Token> tokenize(std::string_view l) const {
    std::vector<Token> toks;
    size_t i = 0;
    while (i < l.size()) {
      char c = l[i];
      if (c == ' ' || c == '\t' || c == '\r') {
        ++i;
        continue;
      }
      if (c == '#') break;
      size_t b = i;
      bool in_quote = false;
      while (i < l.size()) {
        char d = l[i];
        if (in_quote) {
          if (d == '\\' && i + 1 < l.size()) ++i;
          else if (d == '"') in_quote = false;
        } else if (d == '"') {
          in_quote = true;
        } else if (d == ' ' || d == '\t' || d == '\r' || d == '#') {
          break;
        }
        ++i;
      }
      if (in_quote) error(int(b) + 1, "unterminated string");
      toks.push_back({l.substr(b, i - b), int(b) + 1});
    }
    return toks;
  }

  std::string unquote(const Token& t) const {
    std::string_view s = t.text;
    if (s.size() < 2 || s.front() != '"' || s.back() != '"')
      error(t.col, fmt::format("expected a quoted string, got '{}'", s));
    std::string out;
    for (size_t i = 1; i + 1 < s.size(); ++i) {
      if (s[i] == '"') error(t.col + int(i), "unescaped '\"' inside a string");
      if (s[i] != '\\') {
        out += s[i];
        continue;
      }
      char e = s[++i];
      if (e == '"' || e == '\\') {
        out += e;
      } else if (e == 'x' && i + 2 < s.size() - 0) {
        unsigned v = 0;
        auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + std::min(i + 3, s.size() - 1), v, 16);
        if (ec != std::errc() || p != s.data() + i + 3) error(t.col + int(i), "bad \\x escape (need two hex digits)");
        out += char(v);
        i += 2;
      } else {
        error(t.col + int(i), fmt::format("unknown escape '\\{}'", e));
      }
    }
    return out;
  }

  // key=value token; returns {key, scan positioned at value}.
  std::pair<std::string_view, Scan> key_value(const Token& t) const {
    size_t eq = t.text.find('=');
    if (eq == std::string_view::npos || eq == 0)
      error(t.col, fmt::format("expected key=value, got '{}'", t.text));
    return {t.text.substr(0, eq), Scan(t.text.substr(eq + 1), src_, line_, t.col + int(eq) + 1)};
  }

  void line(std::string_view l) {
    auto toks = tokenize(l);
    if (toks.empty()) return;
    any_statement_ = true;
    std::string_view head = toks[0].text;
    if (head != ".data") finish_const();
    if (head.front() == '.') return directive(toks);
    instruction(toks);
  }

  void expect_args(const std::vector<Token>& toks, size_t n, std::string_view usage) const {
    if (toks.size() != n + 1)
      error(toks[0].col, fmt::format("{} takes {} argument(s): {}", toks[0].text, n, usage));
  }

  void directive(const std::vector<Token>& toks) {
    std::string_view d = toks[0].text;
    if (d == ".executable") {
      expect_args(toks, 1, ".executable \"name\"");
      exe_.name = unquote(toks[1]);
    } else if (d == ".chip") {
      expect_args(toks, 1, ".chip \"trn2\"");
      exe_.chip = unquote(toks[1]);
    } else if (d == ".tensor") {
      tensor_decl(toks);
    } else if (d == ".const") {
      const_decl(toks);
    } else if (d == ".data") {
      data(toks);
    } else if (d == ".core") {
      expect_args(toks, 1, ".core N");
      Scan sc = scan(toks[1]);
      uint32_t n = sc.integer<uint32_t>("core index");
      sc.expect_end("the core index");
      if (n > exe_.cores.size())
        sc.error(fmt::format("cores must be declared in order: expected .core {} or lower", exe_.cores.size()));
      if (n == exe_.cores.size()) exe_.cores.emplace_back();
      core_ = int(n);
      stream_ = -1;
    } else if (d == ".stream") {
      expect_args(toks, 1, ".stream pe|dve|act|pool|sp|dmaN");
      if (core_ < 0) error(toks[0].col, ".stream before any .core");
      auto s = parse_stream(toks[1].text);
      if (!s) error(toks[1].col, fmt::format("unknown stream '{}' (expected pe, dve, act, pool, sp or dmaN)", toks[1].text));
      auto& streams = exe_.cores[size_t(core_)].streams;
      if (streams.size() <= *s) streams.resize(*s + 1);
      stream_ = int(*s);
    } else {
      error(toks[0].col, fmt::format("unknown directive '{}' (expected .executable, .chip, .tensor, .const, .data, .core or .stream)", d));
    }
  }

  void tensor_decl(const std::vector<Token>& toks) {
    if (toks.size() < 2) error(toks[0].col, ".tensor needs a name: .tensor \"name\" kind=... dtype=... shape=[...] hbm=N");
    TensorDecl t;
    t.name = unquote(toks[1]);
    bool seen[4] = {};
    for (size_t i = 2; i < toks.size(); ++i) {
      auto [key, sc] = key_value(toks[i]);
      int k = key == "kind" ? 0 : key == "dtype" ? 1 : key == "shape" ? 2 : key == "hbm" ? 3 : -1;
      if (k < 0) error(toks[i].col, fmt::format("unknown .tensor key '{}' (expected kind, dtype, shape, hbm)", key));
      if (seen[k]) error(toks[i].col, fmt::format("duplicate .tensor key '{}'", key));
      seen[k] = true;
      if (k == 0) {
        std::string_view w = sc.word();
        if (w == "input") t.kind = TensorDecl::Kind::Input;
        else if (w == "output") t.kind = TensorDecl::Kind::Output;
        else if (w == "scratch") t.kind = TensorDecl::Kind::Scratch;
        else if (w == "constant") t.kind = TensorDecl::Kind::Constant;
        else sc.error_word(fmt::format("unknown tensor kind '{}' (expected input, output, scratch or constant)", w));
      } else if (k == 1) {
        std::string_view w = sc.word();
        auto dt = parse_dtype(w);
        if (!dt) sc.error_word(fmt::format("unknown dtype '{}'", w));
        t.dtype = *dt;
      } else if (k == 2) {
        sc.expect('[', "to open the shape");
        if (!sc.accept(']')) {
          do t.shape.push_back(sc.integer<uint64_t>("shape dimension"));
          while (sc.accept(','));
          sc.expect(']', "to close the shape");
        }
      } else {
        t.hbm_offset = sc.integer<uint64_t>("hbm offset");
      }
      sc.expect_end(key);
    }
    for (int k = 0; k < 4; ++k)
      if (!seen[k]) error(toks[0].col, fmt::format(".tensor \"{}\" is missing {}=", t.name, std::array{"kind", "dtype", "shape", "hbm"}[k]));
    try {
      (void)t.bytes();  // a shape whose byte size wraps 64 bits is refused here, not later
    } catch (const Error& e) {
      error(toks[0].col, e.what());
    }
    exe_.tensors.push_back(std::move(t));
  }

  void const_decl(const std::vector<Token>& toks) {
    expect_args(toks, 2, ".const hbm=N bytes=N");
    Constant c;
    auto [k1, s1] = key_value(toks[1]);
    if (k1 != "hbm") error(toks[1].col, "expected hbm=N");
    c.hbm_offset = s1.integer<uint64_t>("hbm offset");
    s1.expect_end("hbm offset");
    auto [k2, s2] = key_value(toks[2]);
    if (k2 != "bytes") error(toks[2].col, "expected bytes=N");
    const_size_ = s2.integer<uint64_t>("constant size");
    s2.expect_end("constant size");
    if (const_size_ > text_.size()) s2.error(fmt::format("constant of {} bytes cannot fit in the remaining text", const_size_));
    const_line_ = line_;
    exe_.constants.push_back(std::move(c));
    in_const_ = true;
  }

  void data(const std::vector<Token>& toks) {
    if (!in_const_) error(toks[0].col, ".data outside a .const block");
    expect_args(toks, 1, ".data <hex bytes>");
    auto& bytes = exe_.constants.back().bytes;
    std::string_view h = toks[1].text;
    if (h.size() % 2) error(toks[1].col, "odd number of hex digits in .data");
    for (size_t i = 0; i < h.size(); i += 2) {
      unsigned v = 0;
      auto [p, ec] = std::from_chars(h.data() + i, h.data() + i + 2, v, 16);
      if (ec != std::errc() || p != h.data() + i + 2) error(toks[1].col + int(i), "expected hex digits in .data");
      if (bytes.size() >= const_size_) error(toks[1].col + int(i), fmt::format("more .data than the {} bytes declared", const_size_));
      bytes.push_back(uint8_t(v));
    }
  }

  void finish_const() {
    if (!in_const_) return;
    in_const_ = false;
    size_t got = exe_.constants.back().bytes.size();
    if (got != const_size_)
      fail("{}:{}:1: .const declared bytes={} but its .data lines hold {} bytes", src_, const_line_, const_size_, got);
  }

  void instruction(const std::vector<Token>& toks) {
    auto op = parse_opcode(toks[0].text);
    if (!op) error(toks[0].col, fmt::format("unknown opcode '{}'", toks[0].text));
    if (stream_ < 0) error(toks[0].col, "instruction outside a .stream (use .core N and .stream NAME first)");
    const OpInfo& info = op_info(*op);
    Instr in;
    in.op = *op;
    uint32_t seen = 0;  // bit per operand slot (0-3) and field (8+)
    for (size_t i = 1; i < toks.size(); ++i) {
      auto [key, sc] = key_value(toks[i]);
      if (key == "wait") {
        if (in.num_waits == kMaxWaits) error(toks[i].col, fmt::format("more than {} waits", kMaxWaits));
        in.waits[in.num_waits++] = parse_wait(sc);
        continue;
      }
      if (key == "signal") {
        if (in.signal >= 0) error(toks[i].col, "duplicate signal=");
        if (sc.accept('c')) {  // another core's semaphore: signal=c3.s7
          in.signal_core = sc.integer<int8_t>("signal core");
          if (in.signal_core < 0) error(toks[i].col, "signal core must be >= 0");
          sc.expect('.', "between the core and the semaphore (signal=cN.sM)");
        }
        sc.expect('s', "(semaphore sN, or cN.sM for core N's)");
        in.signal = sc.integer<int16_t>("signal semaphore");
        if (in.signal < 0) error(toks[i].col, "signal semaphore must be >= 0");
        sc.expect_end("the signal");
        continue;
      }
      bool found = false;
      for (int k = 0; k < info.num_operands && !found; ++k) {
        if (info.operands[k].name != key) continue;
        found = true;
        if (seen & (1u << k)) error(toks[i].col, fmt::format("duplicate operand '{}'", key));
        seen |= 1u << k;
        in.t[k] = parse_tensor(sc);
      }
      for (int k = 0; k < info.num_fields && !found; ++k) {
        if (info.fields[k].name != key) continue;
        found = true;
        if (seen & (1u << (8 + k))) error(toks[i].col, fmt::format("duplicate field '{}'", key));
        seen |= 1u << (8 + k);
        parse_field(sc, in, info.fields[k].field, key);
      }
      if (!found) error(toks[i].col, fmt::format("unknown operand or field '{}' for {} (expected {})", key, info.name, keys_of(info)));
    }
    if (auto err = operand_presence_error(in)) error(toks[0].col, *err);
    exe_.cores[size_t(core_)].streams[size_t(stream_)].push_back(in);
  }

  static std::string keys_of(const OpInfo& info) {
    std::string s;
    for (int k = 0; k < info.num_operands; ++k) s += fmt::format("{}, ", info.operands[k].name);
    for (int k = 0; k < info.num_fields; ++k) s += fmt::format("{}, ", info.fields[k].name);
    return s + "wait, signal";
  }

  std::string_view text_, src_;
  int line_ = 0;
  Executable exe_;
  int core_ = -1, stream_ = -1;
  bool in_const_ = false;
  bool any_statement_ = false;
  uint64_t const_size_ = 0;
  int const_line_ = 0;
};

}  // namespace

Executable parse_executable(std::string_view text, std::string_view source_name) {
  return Parser(text, source_name).run();
}

}  // namespace npulab::isa
