// Parser for GGUF (llama.cpp's single-file format), versions 2 and 3: header, typed metadata
// key/values (scalars, strings, nested arrays), tensor infos, aligned data section.
// Parses from a byte span so it can be fuzzed without files; never reads out of bounds.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace npulab::llm {

enum class GgufType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7, String = 8,
  Array = 9, U64 = 10, I64 = 11, F64 = 12,
};
const char* gguf_type_name(GgufType t);

struct GgufValue {
  GgufType type = GgufType::U8;
  // Exactly one of these is meaningful, by `type`: integers (any width, signed in i,
  // unsigned in u), floats in f, bool in b, string in s, array elements in arr (all of
  // element type arr_type).
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0.0;
  bool b = false;
  std::string s;
  GgufType arr_type = GgufType::U8;
  std::vector<GgufValue> arr;

  bool is_integer() const;
  bool is_float() const { return type == GgufType::F32 || type == GgufType::F64; }
};

// ggml tensor types supported by npulab (ggml_type enum values).
enum class GgmlType : uint32_t { F32 = 0, F16 = 1, Q8_0 = 8, BF16 = 30 };

struct GgufTensorInfo {
  std::string name;
  std::vector<uint64_t> ne;  // GGUF order: ne[0] is the innermost (contiguous) dimension
  GgmlType type = GgmlType::F32;
  uint64_t offset = 0;       // absolute offset in the file (data section start + rel offset)
  uint64_t nbytes = 0;
};

struct GgufFile {
  std::string path;
  uint32_t version = 0;
  uint64_t alignment = 32;
  uint64_t data_offset = 0;
  std::map<std::string, GgufValue> kv;
  std::vector<GgufTensorInfo> tensors;

  const GgufValue* find(const std::string& key) const;
  // Typed getters: throw npulab::Error naming path and key when absent or ill-typed.
  int64_t get_int(const std::string& key) const;
  int64_t get_int_or(const std::string& key, int64_t dflt) const;
  double get_float_or(const std::string& key, double dflt) const;
  std::string get_string(const std::string& key) const;
  std::string get_string_or(const std::string& key, const std::string& dflt) const;
};

// Throws npulab::Error naming `path` and the key/tensor at fault for bad magic, unsupported
// version, truncation, unknown value/tensor types, misaligned or out-of-file tensor data.
GgufFile parse_gguf(std::span<const std::byte> file, const std::string& path);

}  // namespace npulab::llm
