#include "llm/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "llm/json_strict.h"

namespace npulab::llm {
namespace {

WDType parse_dtype(const std::string& s, const std::string& path, const std::string& name) {
  if (s == "F32") return WDType::F32;
  if (s == "F16") return WDType::F16;
  if (s == "BF16") return WDType::BF16;
  fail("{}: tensor '{}' has dtype '{}', supported: F32, F16, BF16", path, name, s);
}

constexpr uint64_t kMaxHeaderBytes = 100'000'000;

// "The byte buffer needs to be entirely indexed, and cannot contain holes": in offset order
// every tensor starts where the previous one ends, the first at 0 and the last ends at the
// end of the file. So no two tensors overlap or share bytes (empty tensors take none).
void check_buffer_indexed(const std::vector<SafetensorsEntry>& entries, int64_t data_start,
                          int64_t data_size, const std::string& path) {
  std::vector<const SafetensorsEntry*> order;
  for (const auto& e : entries) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) {
    return a->offset != b->offset ? a->offset < b->offset : a->nbytes < b->nbytes;
  });
  int64_t at = 0;
  const SafetensorsEntry* prev = nullptr;
  for (const SafetensorsEntry* e : order) {
    const int64_t begin = e->offset - data_start, end = begin + e->nbytes;
    if (begin < at)
      fail("{}: tensor '{}' (data_offsets [{}, {}]) overlaps tensor '{}' (which ends at {}); the format "
           "forbids shared or overlapping byte ranges", path, e->name, begin, end, prev->name, at);
    if (begin > at)
      fail("{}: bytes [{}, {}) of the data section belong to no tensor (before '{}'); the format forbids holes",
           path, at, begin, e->name);
    at = end;
    prev = e;
  }
  if (at != data_size)
    fail("{}: bytes [{}, {}) at the end of the data section belong to no tensor; the format forbids holes", path,
         at, data_size);
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
  // The format's rules (huggingface/safetensors README, "Format"): the header starts with
  // '{', has no duplicate keys, and the tensors index the whole byte buffer without holes
  // or overlaps. Headers are capped at 100 MB, as the reference reader does.
  if (hlen > kMaxHeaderBytes)
    fail("{}: safetensors header length {} exceeds the format's limit of {} bytes", path, hlen, kMaxHeaderBytes);
  const auto* hdr = reinterpret_cast<const char*>(file.data() + 8);
  if (hlen == 0 || hdr[0] != '{')
    fail("{}: safetensors header must start with '{{' (a JSON object)", path);
  nlohmann::json j = parse_json_strict(std::string_view(hdr, hlen), path + ": safetensors header");
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
  check_buffer_indexed(out, data_start, data_size, path);
  return out;
}

}  // namespace npulab::llm
