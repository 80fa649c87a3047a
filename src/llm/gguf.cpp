#include "llm/gguf.h"

#include <cstring>
#include <limits>

#include "common/error.h"
#include "llm/weights.h"

namespace npulab::llm {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian u32
constexpr int kMaxArrayDepth = 8;

// Bounds-checked little-endian reader; every failure names the file and what was read.
class Reader {
 public:
  Reader(std::span<const std::byte> b, const std::string& path) : b_(b), path_(path) {}
  template <typename T>
  T pod(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string str(const char* what) {
    const uint64_t n = pod<uint64_t>(what);
    need(n, what);
    std::string s(reinterpret_cast<const char*>(b_.data() + pos_), size_t(n));
    pos_ += size_t(n);
    return s;
  }
  void need(uint64_t n, const char* what) const {
    if (n > b_.size() - pos_)
      fail("{}: truncated GGUF while reading {} at offset {} (need {} bytes, {} left)", path_,
           what, pos_, n, b_.size() - pos_);
  }
  size_t pos() const { return pos_; }
  size_t left() const { return b_.size() - pos_; }

 private:
  std::span<const std::byte> b_;
  const std::string& path_;
  size_t pos_ = 0;
};

// Smallest encoded size of a value of type t (to bound array counts before allocating).
uint64_t min_size(GgufType t) {
  switch (t) {
    case GgufType::U8: case GgufType::I8: case GgufType::Bool: return 1;
    case GgufType::U16: case GgufType::I16: return 2;
    case GgufType::U32: case GgufType::I32: case GgufType::F32: return 4;
    case GgufType::String: case GgufType::U64: case GgufType::I64: case GgufType::F64: return 8;
    case GgufType::Array: return 12;
  }
  return 1;
}

bool valid_type(uint32_t t) { return t <= uint32_t(GgufType::F64); }

GgufValue read_value(Reader& r, GgufType t, const std::string& key, const std::string& path,
                     int depth) {
  GgufValue v;
  v.type = t;
  switch (t) {
    case GgufType::U8: v.u = r.pod<uint8_t>("u8 value"); v.i = int64_t(v.u); break;
    case GgufType::I8: v.i = r.pod<int8_t>("i8 value"); break;
    case GgufType::U16: v.u = r.pod<uint16_t>("u16 value"); v.i = int64_t(v.u); break;
    case GgufType::I16: v.i = r.pod<int16_t>("i16 value"); break;
    case GgufType::U32: v.u = r.pod<uint32_t>("u32 value"); v.i = int64_t(v.u); break;
    case GgufType::I32: v.i = r.pod<int32_t>("i32 value"); break;
    case GgufType::U64: v.u = r.pod<uint64_t>("u64 value"); v.i = int64_t(v.u); break;
    case GgufType::I64: v.i = r.pod<int64_t>("i64 value"); break;
    case GgufType::F32: v.f = r.pod<float>("f32 value"); break;
    case GgufType::F64: v.f = r.pod<double>("f64 value"); break;
    case GgufType::Bool: {
      const uint8_t b = r.pod<uint8_t>("bool value");
      if (b > 1) fail("{}: key '{}': bool value {} is not 0 or 1", path, key, b);
      v.b = b != 0;
      break;
    }
    case GgufType::String: v.s = r.str("string value"); break;
    case GgufType::Array: {
      if (depth >= kMaxArrayDepth) fail("{}: key '{}': arrays nested too deeply", path, key);
      const uint32_t et = r.pod<uint32_t>("array element type");
      if (!valid_type(et)) fail("{}: key '{}': unknown array element type {}", path, key, et);
      v.arr_type = GgufType(et);
      const uint64_t n = r.pod<uint64_t>("array length");
      if (n > r.left() / min_size(v.arr_type))
        fail("{}: key '{}': array of {} {} elements runs past the end of the file", path, key,
             n, gguf_type_name(v.arr_type));
      v.arr.reserve(size_t(n));
      for (uint64_t k = 0; k < n; ++k) v.arr.push_back(read_value(r, v.arr_type, key, path, depth + 1));
      break;
    }
  }
  return v;
}

// Bytes of a tensor, or throws for out-of-range shapes or Q8_0 rows not divisible by 32.
uint64_t tensor_bytes(const GgufTensorInfo& t, const std::string& path) {
  std::vector<int64_t> shape;
  for (uint64_t d : t.ne) {
    if (d > uint64_t(kMaxDim)) fail("{}: tensor '{}': dimension {} is too large", path, t.name, d);
    shape.insert(shape.begin(), int64_t(d));
  }
  const WDType wt = t.type == GgmlType::F32    ? WDType::F32
                    : t.type == GgmlType::F16  ? WDType::F16
                    : t.type == GgmlType::BF16 ? WDType::BF16
                                               : WDType::Q8_0;
  const int64_t n = wdtype_nbytes(wt, shape);
  if (n < 0) {
    if (wt == WDType::Q8_0 && !t.ne.empty() && t.ne[0] % 32 != 0)
      fail("{}: tensor '{}': Q8_0 needs the innermost dimension to be a multiple of 32", path,
           t.name);
    fail("{}: tensor '{}': element count out of range", path, t.name);
  }
  return uint64_t(n);
}

}  // namespace

const char* gguf_type_name(GgufType t) {
  static const char* names[] = {"u8",  "i8",   "u16",    "i16",   "u32", "i32", "f32",
                                "bool", "string", "array", "u64", "i64", "f64"};
  return uint32_t(t) <= 12 ? names[uint32_t(t)] : "?";
}

bool GgufValue::is_integer() const {
  switch (type) {
    case GgufType::U8: case GgufType::I8: case GgufType::U16: case GgufType::I16:
    case GgufType::U32: case GgufType::I32: case GgufType::U64: case GgufType::I64:
      return true;
    default: return false;
  }
}

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = kv.find(key);
  return it == kv.end() ? nullptr : &it->second;
}
int64_t GgufFile::get_int(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) fail("{}: missing metadata key '{}'", path, key);
  if (!v->is_integer())
    fail("{}: metadata key '{}' must be an integer, is {}", path, key, gguf_type_name(v->type));
  if (v->type == GgufType::U64 && v->u > uint64_t(std::numeric_limits<int64_t>::max()))
    fail("{}: metadata key '{}' value {} is out of range", path, key, v->u);
  return v->i;
}
int64_t GgufFile::get_int_or(const std::string& key, int64_t dflt) const {
  return find(key) ? get_int(key) : dflt;
}
double GgufFile::get_float_or(const std::string& key, double dflt) const {
  const GgufValue* v = find(key);
  if (!v) return dflt;
  if (v->is_float()) return v->f;
  if (v->is_integer()) return double(v->i);
  fail("{}: metadata key '{}' must be a number, is {}", path, key, gguf_type_name(v->type));
}
std::string GgufFile::get_string(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) fail("{}: missing metadata key '{}'", path, key);
  if (v->type != GgufType::String)
    fail("{}: metadata key '{}' must be a string, is {}", path, key, gguf_type_name(v->type));
  return v->s;
}
std::string GgufFile::get_string_or(const std::string& key, const std::string& dflt) const {
  return find(key) ? get_string(key) : dflt;
}

GgufFile parse_gguf(std::span<const std::byte> file, const std::string& path) {
  Reader r(file, path);
  GgufFile g;
  g.path = path;
  const uint32_t magic = r.pod<uint32_t>("magic");
  if (magic != kMagic) fail("{}: not a GGUF file (bad magic 0x{:08x})", path, magic);
  g.version = r.pod<uint32_t>("version");
  if (g.version != 2 && g.version != 3)
    fail("{}: GGUF version {} is not supported (supported: 2, 3)", path, g.version);
  const uint64_t n_tensors = r.pod<uint64_t>("tensor count");
  const uint64_t n_kv = r.pod<uint64_t>("metadata count");
  // Every KV needs >= 8+4 bytes, every tensor info >= 8+4+8+4+8: bound before looping.
  if (n_kv > r.left() / 12 || n_tensors > r.left() / 32)
    fail("{}: GGUF header claims {} metadata entries and {} tensors, more than the file holds",
         path, n_kv, n_tensors);
  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string key = r.str("metadata key");
    const uint32_t t = r.pod<uint32_t>("metadata value type");
    if (!valid_type(t)) fail("{}: metadata key '{}': unknown value type {}", path, key, t);
    GgufValue v = read_value(r, GgufType(t), key, path, 0);
    if (!g.kv.emplace(key, std::move(v)).second)
      fail("{}: metadata key '{}' appears twice", path, key);
  }
  if (const GgufValue* a = g.find("general.alignment")) {
    if (!a->is_integer())
      fail("{}: general.alignment must be an integer (the GGUF spec: uint32), got a value of type {}", path,
           gguf_type_name(a->type));
    if (a->i <= 0 || (a->i & (a->i - 1)) != 0 || a->i > (1 << 20))
      fail("{}: general.alignment must be a power of two in [1, {}], got {}", path, 1 << 20, a->i);
    g.alignment = uint64_t(a->i);
  }
  for (uint64_t k = 0; k < n_tensors; ++k) {
    GgufTensorInfo t;
    t.name = r.str("tensor name");
    const uint32_t n_dims = r.pod<uint32_t>("tensor n_dims");
    if (n_dims == 0 || n_dims > 4)
      fail("{}: tensor '{}': n_dims {} outside 1..4", path, t.name, n_dims);
    for (uint32_t d = 0; d < n_dims; ++d) t.ne.push_back(r.pod<uint64_t>("tensor dim"));
    const uint32_t type = r.pod<uint32_t>("tensor type");
    if (type != 0 && type != 1 && type != 8 && type != 30)
      fail("{}: tensor '{}': ggml type {} is not supported (F32=0, F16=1, Q8_0=8, BF16=30)",
           path, t.name, type);
    t.type = GgmlType(type);
    t.offset = r.pod<uint64_t>("tensor offset");
    if (t.offset % g.alignment != 0)
      fail("{}: tensor '{}': offset {} is not a multiple of the alignment {}", path, t.name,
           t.offset, g.alignment);
    t.nbytes = tensor_bytes(t, path);
    g.tensors.push_back(std::move(t));
  }
  g.data_offset = (uint64_t(r.pos()) + g.alignment - 1) / g.alignment * g.alignment;
  for (auto& t : g.tensors) {
    if (g.data_offset > file.size() || t.offset > file.size() - g.data_offset ||
        t.nbytes > file.size() - g.data_offset - t.offset)
      fail("{}: tensor '{}': data [{}, +{}) runs past the end of the file ({} bytes)", path,
           t.name, g.data_offset + t.offset, t.nbytes, file.size());
    t.offset += g.data_offset;
  }
  return g;
}

}  // namespace npulab::llm
