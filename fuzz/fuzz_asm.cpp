// Fuzz the assembly parser: arbitrary text must either parse or throw npulab::Error; what
// parses must round-trip exactly through the printer and the binary container, and must
// survive validation (which may reject it, but only with an Error); what validates must
// survive a budgeted timing-only run. asm.dict holds the numeric edges of every field
// (32-bit register limits, 2^63, 2^64 - 1, shapes whose byte size wraps, nan/inf).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "arch/chip.h"
#include "common/error.h"
#include "isa/asm.h"
#include "isa/compare.h"
#include "isa/container.h"
#include "isa/validate.h"
#include "sim/simulator.h"

using namespace npulab;

static const arch::ChipConfig& chip() {
  static const arch::ChipConfig c = arch::load_chip_by_name("trn2");
  return c;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  isa::Executable exe;
  try {
    exe = isa::parse_executable(text, "fuzz.s");
  } catch (const Error&) {
    return 0;
  }
  std::string printed = isa::print_executable(exe);
  isa::Executable again = isa::parse_executable(printed, "printed.s");
  if (!(again == exe) || isa::print_executable(again) != printed) std::abort();
  auto bytes = isa::encode_executable(exe);
  if (!(isa::decode_executable(bytes.data(), bytes.size()) == exe)) std::abort();
  try {
    isa::validate_executable(exe, chip());
  } catch (const Error&) {
    return 0;
  }
  // A valid program runs, timing-only, within small budgets: numeric fields at their
  // edges (register values, waits, offsets, sizes) end in a result or an Error, never in
  // a crash, a wrapped result or a hang.
  sim::SimOptions o;
  o.mode = sim::Mode::TimingOnly;
  o.max_instructions = 20000;
  o.max_sim_ns = 1e9;
  try {
    sim::Chip c(chip(), o.mode);
    (void)c.run(exe, o);
  } catch (const Error&) {
  }
  return 0;
}
