#include "llm/safetensors.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace npulab::llm {
namespace {

WDType parse_dtype(const std::string& s, const std::string& path, const std::string& name) {
  if (s == "F32") return WDType::F32;
  if (s == "F16") return WDType::F16;
  if (s == "BF16") return WDType::BF16;
  fail("{}: tensor '{}' has dtype '{}', supported: F32, F16, BF16", path, name, s);
}

}  // namespace

std::vector<SafetensorsEntry> parse_safetensors(std::span<const std::byte> file,
                                                const std::string& path) {
  if (file.size() < 8)
    fail("{}: truncated safetensors file ({} bytes, header length needs 8)", path, file.size());
  uint64_t hlen = 0;
  std::memcpy(&hlen, file.data(), 8);  // little-endian hosts only (x86-64, aarch64)
  if (hlen > file.size() - 8)
    fail("{}: safetensors header length {} runs past the end of the file ({} bytes)", path,
         hlen, file.size());
  const auto* hdr = reinterpret_cast<const char*>(file.data() + 8);
  nlohmann::json j = nlohmann::json::parse(hdr, hdr + hlen, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) fail("{}: safetensors header is not valid JSON", path);
  if (!j.is_object()) fail("{}: safetensors header must be a JSON object", path);
  const int64_t data_start = int64_t(8 + hlen);
  const int64_t data_size = int64_t(file.size()) - data_start;

  std::vector<SafetensorsEntry> out;
  for (const auto& [name, t] : j.items()) {
    if (name == "__metadata__") continue;
    if (!t.is_object()) fail("{}: tensor '{}': entry must be an object", path, name);
    auto dt = t.find("dtype");
    auto sh = t.find("shape");
    auto off = t.find("data_offsets");
    if (dt == t.end() || !dt->is_string())
      fail("{}: tensor '{}': missing string 'dtype'", path, name);
    if (sh == t.end() || !sh->is_array())
      fail("{}: tensor '{}': missing array 'shape'", path, name);
    if (off == t.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
        !(*off)[1].is_number_unsigned())
      fail("{}: tensor '{}': 'data_offsets' must be [begin, end] of unsigned integers", path,
           name);
    SafetensorsEntry e;
    e.name = name;
    e.dtype = parse_dtype(dt->get<std::string>(), path, name);
    for (const auto& d : *sh) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > uint64_t(kMaxDim))
        fail("{}: tensor '{}': shape entries must be non-negative integers", path, name);
      e.shape.push_back(int64_t(d.get<uint64_t>()));
    }
    const uint64_t b = (*off)[0].get<uint64_t>(), en = (*off)[1].get<uint64_t>();
    if (b > en || en > uint64_t(data_size))
      fail("{}: tensor '{}': data_offsets [{}, {}] outside the data section of {} bytes "
           "(truncated file?)", path, name, b, en, data_size);
    const int64_t need = wdtype_nbytes(e.dtype, e.shape);
    if (need < 0 || uint64_t(need) != en - b)
      fail("{}: tensor '{}': {} bytes for dtype {} shape of {} dims, data_offsets span {}", path,
           name, need, dt->get<std::string>(), e.shape.size(), en - b);
    e.offset = data_start + int64_t(b);
    e.nbytes = need;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace npulab::llm
