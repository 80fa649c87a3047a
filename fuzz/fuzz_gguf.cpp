// libFuzzer target: the GGUF parser on arbitrary bytes. Any input must either parse or throw
// npulab::Error; parsed tensors must lie inside the input (decoded under ASan), and the
// typed metadata getters must not crash on whatever types the input declares.
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/error.h"
#include "llm/gguf.h"
#include "llm/weights.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace npulab::llm;
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  try {
    GgufFile g = parse_gguf(bytes, "fuzz.gguf");
    for (const auto& t : g.tensors) {
      TensorView v;
      v.name = t.name;
      v.dtype = t.type == GgmlType::F32    ? WDType::F32
                : t.type == GgmlType::F16  ? WDType::F16
                : t.type == GgmlType::BF16 ? WDType::BF16
                                           : WDType::Q8_0;
      v.shape.assign(t.ne.rbegin(), t.ne.rend());
      v.data = bytes.data() + t.offset;
      v.nbytes = int64_t(t.nbytes);
      if (v.numel() <= (1 << 16) && wdtype_nbytes(v.dtype, v.shape) == v.nbytes) (void)v.to_f32();
    }
    for (const auto& [key, value] : g.kv) {
      try {
        (void)g.get_int_or(key, 0);
      } catch (const npulab::Error&) {
      }
      try {
        (void)g.get_string_or(key, "");
      } catch (const npulab::Error&) {
      }
      (void)value;
    }
  } catch (const npulab::Error&) {
  }
  return 0;
}
