// libFuzzer target: the hw/*.toml chip loader (and the chip-system loader,
// hw/systems/*.toml) on arbitrary text. Any input must either load
// or throw npulab::Error (TOML syntax errors, unknown/missing keys, out-of-range numbers,
// inconsistent sizes); a loaded chip must also survive derive_peaks.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "arch/chip.h"
#include "arch/chip_system.h"
#include "common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const npulab::arch::ChipConfig c = npulab::arch::load_chip_from_string(text, "fuzz.toml");
    (void)npulab::arch::derive_peaks(c);
  } catch (const npulab::Error&) {
  }
  try {
    (void)npulab::arch::load_chip_system_from_string(text, "fuzz.toml");
  } catch (const npulab::Error&) {
  }
  return 0;
}
