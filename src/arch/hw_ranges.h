// The plausible range of every number in a hw/*.toml, in one table (hw_ranges.cpp):
// wide enough for "what if" studies (e.g. 1-1024 cores per chip), narrow enough that
// every size, count and duration the simulator derives from them fits its integer
// arithmetic and every host allocation sized from them is modest. The loader
// (TomlTableReader) rejects a value outside its key's range naming the key and the range;
// docs/HARDWARE.md lists the same ranges (tests/arch/hw_ranges_test.cpp keeps them equal).
#pragma once
#include <span>
#include <string>
#include <string_view>

namespace npulab::arch {

struct KeyRange {
  std::string_view tables;  // "tensor", or several sharing the key: "vector/scalar/gpsimd"
  std::string_view key;     // "clock_ghz"
  bool integer = false;     // a TOML integer (else a real; integers are accepted for reals)
  double lo = 0, hi = 0;    // inclusive; integers up to 2^53 are exact
  std::string_view why;     // what bounds it (docs/HARDWARE.md shows it)
};

std::span<const KeyRange> key_ranges();
// The range of `table`.`key`; throws npulab::Error (an internal error: every key the
// loader reads must have a range) when there is none.
const KeyRange& key_range(std::string_view table, std::string_view key);
// "an integer in [1, 1024]" / "a number in [0.01, 100]", as the loader's errors and
// docs/HARDWARE.md write it.
std::string range_text(const KeyRange& r);

}  // namespace npulab::arch
