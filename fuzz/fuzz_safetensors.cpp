// libFuzzer target: the safetensors header parser on arbitrary bytes. Any input must either
// parse or throw npulab::Error; parsed tensors must lie inside the input (decoded under ASan).
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/error.h"
#include "llm/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  try {
    for (const auto& e : npulab::llm::parse_safetensors(bytes, "fuzz.safetensors")) {
      npulab::llm::TensorView v;
      v.name = e.name;
      v.dtype = e.dtype;
      v.shape = e.shape;
      v.data = bytes.data() + e.offset;
      v.nbytes = e.nbytes;
      if (v.numel() <= (1 << 16)) (void)v.to_f32();  // reads every byte the entry claims
    }
  } catch (const npulab::Error&) {
  }
  return 0;
}
