// Fuzz the .npx decoder: arbitrary bytes must decode or throw npulab::Error (never crash,
// never allocate without bound); what decodes must re-encode, round-trip through assembly
// text exactly, and survive validation.
#include <cstdint>
#include <cstdlib>

#include "arch/chip.h"
#include "common/error.h"
#include "isa/asm.h"
#include "isa/compare.h"
#include "isa/container.h"
#include "isa/validate.h"

using namespace npulab;

static const arch::ChipConfig& chip() {
  static const arch::ChipConfig c = arch::load_chip_by_name("trn2");
  return c;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  isa::Executable exe;
  try {
    exe = isa::decode_executable(data, size, "fuzz.npx");
  } catch (const Error&) {
    return 0;
  }
  auto bytes = isa::encode_executable(exe);
  if (!(isa::decode_executable(bytes.data(), bytes.size()) == exe)) std::abort();
  if (!(isa::parse_executable(isa::print_executable(exe)) == exe)) std::abort();
  try {
    isa::validate_executable(exe, chip());
  } catch (const Error&) {
  }
  return 0;
}
