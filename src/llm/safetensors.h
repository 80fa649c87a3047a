// Parser for the safetensors container: u64 little-endian header length N, N bytes of JSON
// {"tensor": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}, then
// the data section. Parses from a byte span so it can be fuzzed without files.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "llm/weights.h"

namespace npulab::llm {

struct SafetensorsEntry {
  std::string name;             // name as stored (HF naming)
  WDType dtype = WDType::F32;
  std::vector<int64_t> shape;
  int64_t offset = 0;           // absolute byte offset in the file
  int64_t nbytes = 0;
};

// Validates everything (header bounds, JSON, dtypes F32/F16/BF16, shapes, offsets inside
// the file and consistent with dtype*shape); throws npulab::Error naming `path` and the
// tensor or field at fault.
std::vector<SafetensorsEntry> parse_safetensors(std::span<const std::byte> file,
                                                const std::string& path);

}  // namespace npulab::llm
