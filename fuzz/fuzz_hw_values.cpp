// libFuzzer target: the value ranges of chip files (arch/hw_ranges.h). The input is a list
// of up to 8 records of 9 bytes: a key byte b and 8 value bytes. Key b % K (K = the range
// table's keys with shared tables expanded, in table order: 56 today) is set in
// hw/trn2.toml to the value bytes read as an int64 (when (b / K) is even) or as a double
// (odd; inf, nan, 1e300 and 1e-300 are all reachable). The seeds in
// fuzz/corpus/hw_values/ pin the issue's edges (100,000 cores, 1e300 GHz, 1e20 ns, 2^63
// bytes of HBM, 2^40 bytes of SBUF). Properties: a chip that loads has every set key inside its
// range (else the range table is not enforced), and the simulator runs a small program on
// it, timing-only and (when the scratchpads are small) functional, without crashing,
// hanging (budgets) or allocating from nominal sizes: only npulab::Error may come out.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "arch/chip.h"
#include "arch/chip_search.h"
#include "arch/hw_ranges.h"
#include "common/error.h"
#include "isa/asm.h"
#include "sim/simulator.h"

using namespace npulab;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// hw/trn2.toml as the chip search path finds it (arch/chip_search.h).
const std::string& base_text() {
  static const std::string t =
      read_file(arch::find_chip_file("trn2", arch::ChipSearchPath::standard()).string());
  return t;
}

// DMA in, one activation, DMA out, ordered by semaphores: every engine class and HBM.
const isa::Executable& program() {
  static const isa::Executable e = isa::parse_executable(R"(.executable "p"
.tensor "x" kind=input dtype=f32 shape=[128,64] hbm=0
.tensor "y" kind=output dtype=f32 shape=[128,64] hbm=65536
.core 0
.stream dma0
  dma_copy dst=sbuf:f32[0:128]@0{1x64} src=hbm:f32[0:128/64]@0{1x64} signal=s0
.stream act
  activation dst=sbuf:f32[0:128]@256{1x64} src=sbuf:f32[0:128]@0{1x64} func=exp scale=1 bias_imm=0 flags=bias_imm wait=s0>=1 signal=s1
.stream dma1
  dma_copy dst=hbm:f32[0:128/64]@65536{1x64} src=sbuf:f32[0:128]@256{1x64} wait=s1>=1
)", "fuzz_program.s");
  return e;
}

struct Target {
  std::string table, key;
  const arch::KeyRange* range;
};
const std::vector<Target>& targets() {
  static const std::vector<Target> t = [] {
    std::vector<Target> out;
    for (const arch::KeyRange& r : arch::key_ranges()) {
      std::string_view tables = r.tables;
      while (true) {
        const size_t slash = tables.find('/');
        out.push_back({std::string(tables.substr(0, slash)), std::string(r.key), &r});
        if (slash == std::string_view::npos) break;
        tables.remove_prefix(slash + 1);
      }
    }
    return out;
  }();
  return t;
}

// Replace the value of table.key (the line "key = ..." after "[table]"), or return false.
bool set_value(std::string& text, const Target& t, const std::string& value) {
  const size_t tb = text.find("\n[" + t.table + "]\n");
  if (tb == std::string::npos) return false;
  const size_t k = text.find("\n" + t.key + " ", tb);
  if (k == std::string::npos) return false;
  const size_t eq = text.find('=', k), eol = text.find('\n', k + 1);
  text = text.substr(0, eq + 1) + " " + value + text.substr(eol);
  return true;
}

std::string real_text(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";  // a TOML float
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text = base_text();
  struct Set {
    const Target* t;
    bool is_int;
    int64_t i;
    double d;
  };
  std::vector<Set> sets;
  for (size_t at = 0; at + 9 <= size && sets.size() < 8; at += 9) {
    const Target& t = targets()[data[at] % targets().size()];
    Set s{&t, false, 0, 0};
    std::memcpy(&s.i, data + at + 1, 8);
    std::memcpy(&s.d, data + at + 1, 8);
    // The type is chosen independently of the key's declared type, so type errors are
    // exercised too.
    s.is_int = (data[at] / targets().size()) % 2 == 0;
    if (!set_value(text, t, s.is_int ? std::to_string(s.i) : real_text(s.d))) continue;
    sets.push_back(s);
  }
  arch::ChipConfig chip;
  try {
    chip = arch::load_chip_from_string(text, "fuzz.toml");
  } catch (const Error&) {
    return 0;
  }
  // Loaded: every value set last for its key lies in the key's range.
  for (size_t k = 0; k < sets.size(); ++k) {
    bool later = false;
    for (size_t j = k + 1; j < sets.size(); ++j) later |= sets[j].t == sets[k].t;
    if (later) continue;
    const Set& s = sets[k];
    const double v = s.is_int ? double(s.i) : s.d;
    if (!(v >= s.t->range->lo && v <= s.t->range->hi)) std::abort();
  }
  (void)arch::derive_peaks(chip);
  for (sim::Mode mode : {sim::Mode::TimingOnly, sim::Mode::Functional}) {
    if (mode == sim::Mode::Functional && chip.sbuf.total_bytes() + chip.psum.total_bytes() > (uint64_t(64) << 20))
      continue;
    sim::SimOptions o;
    o.mode = mode;
    o.max_instructions = 100000;
    o.max_sim_ns = 1e9;
    try {
      sim::Chip c(chip, mode);
      (void)c.run(program(), o);
    } catch (const Error&) {
    }
  }
  return 0;
}
