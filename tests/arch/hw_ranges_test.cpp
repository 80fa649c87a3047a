// The plausible-range table of hw/*.toml keys (arch/hw_ranges.h): every built-in chip lies
// inside it, a value just outside any key's range (generated from hw/trn2.toml) is refused
// naming the key and the range, and docs/HARDWARE.md lists exactly these ranges.
#include "arch/hw_ranges.h"
#include "arch/stack.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "arch/chip.h"
#include "arch/chip_system.h"
#include "arch/gpu.h"
#include "arch/instance.h"
#include "common/error.h"
#include "source_text.h"

namespace npulab::arch {
namespace {

using testing_util::read_text;

std::vector<std::string> tables_of(const KeyRange& r) {
  std::vector<std::string> out;
  std::string_view t = r.tables;
  while (true) {
    const size_t slash = t.find('/');
    out.emplace_back(t.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    t.remove_prefix(slash + 1);
  }
}

// `text` with the value of table.key replaced (the line "key = ..." after "[table]").
std::string with_value(const std::string& text, const std::string& table, const std::string& key,
                       const std::string& value) {
  const size_t t = text.find("\n[" + table + "]\n");
  EXPECT_NE(t, std::string::npos) << table;
  const size_t k = text.find("\n" + key + " ", t);
  EXPECT_NE(k, std::string::npos) << table << "." << key;
  const size_t eq = text.find('=', k), eol = text.find('\n', k + 1);
  return text.substr(0, eq + 1) + " " + value + text.substr(eol);
}

std::string format_value(const KeyRange& r, double v) {
  if (r.integer) return std::to_string(int64_t(v));
  std::ostringstream ss;
  ss.precision(17);
  ss << v;
  std::string s = ss.str();
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

TEST(HwRanges, BuiltinChipsLieInside) {
  for (const std::string& name : builtin_chip_names()) EXPECT_NO_THROW(load_chip_by_name(name)) << name;
}

// The kinds of hardware file and a file of each: a key's values are tried in the first
// file holding its table.
struct Kind {
  const char* file;
  void (*load)(const std::string& text);
};
const Kind kKinds[] = {
    {"hw/trn2.toml", [](const std::string& t) { load_chip_from_string(t, "gen.toml"); }},
    {"hw/gpu/h100-sxm.toml", [](const std::string& t) { load_gpu_from_string(t, "gen.toml"); }},
    {"hw/systems/8xh100.toml",
     [](const std::string& t) {
       std::string gpu;
       load_gpu_system_from_string(t, "gen.toml", &gpu);
     }},
    {"hw/gpu/calibration/vidur-h100.toml", [](const std::string& t) { load_gpu_calibration_from_string(t, "gen.toml"); }},
    {"hw/instances/p5.48xlarge.toml", [](const std::string& t) { load_instance_from_string(t, "gen.toml"); }},
    {"hw/stacks/neuron-vllm.toml", [](const std::string& t) { load_stack_from_string(t, "gen.toml"); }},
    {"hw/systems/trn2.48xlarge.toml", [](const std::string& t) { load_chip_system_from_string(t, "gen.toml"); }},
    {"hw/systems/trn3-ultraserver.toml", [](const std::string& t) { load_chip_system_from_string(t, "gen.toml"); }},
};

// The first file whose [table] has `key` (several kinds share a table name: [system] of GPU
// and chip systems, [collectives] of chips and chip systems).
const Kind& kind_of(const std::string& table, const std::string& key) {
  for (const Kind& k : kKinds) {
    const std::string text = read_text(k.file);
    const size_t t = text.find("\n[" + table + "]\n");
    if (t == std::string::npos) continue;
    const size_t next = text.find("\n[", t + 1);
    const size_t at = text.find("\n" + key + " ", t);
    if (at != std::string::npos && at < next) return k;
  }
  ADD_FAILURE() << "no hardware file has " << table << "." << key;
  return kKinds[0];
}

TEST(HwRanges, ValuesJustOutsideAreRefusedNamingKeyAndRange) {
  int cases = 0;
  for (const KeyRange& r : key_ranges()) {
    std::vector<double> outside{r.integer ? r.hi + 1 : r.hi * 1.5, r.hi * 1e6};
    outside.push_back(r.integer ? r.lo - 1 : (r.lo > 0 ? r.lo / 2 : -1e-3));
    if (!r.integer) outside.push_back(r.lo > 0 ? r.lo * 1e-300 : -1e300);
    for (const std::string& table : tables_of(r)) {
      const Kind& kind = kind_of(table, std::string(r.key));
      const std::string base = read_text(kind.file);
      for (double v : outside) {
        const std::string text = with_value(base, table, std::string(r.key), format_value(r, v));
        try {
          kind.load(text);
          ADD_FAILURE() << table << "." << r.key << " = " << format_value(r, v) << " was accepted";
        } catch (const Error& e) {
          const std::string m = e.what();
          EXPECT_NE(m.find("gen.toml: " + table + "." + std::string(r.key)), std::string::npos) << m;
          EXPECT_NE(m.find(range_text(r)), std::string::npos) << m;
        }
        ++cases;
      }
    }
  }
  EXPECT_GT(cases, 250);
}

// The absurd chip files: each refused at load (so `info`, `run` and `generate`
// never allocate from them).
TEST(HwRanges, AbsurdChipsAreRefused) {
  const std::string base = read_text("hw/trn2.toml");
  struct Case {
    const char *table, *key, *value;
  } cases[] = {{"hbm", "capacity_bytes", "9223372036854775807"}, {"sbuf", "bytes_per_partition", "1099511627776"},
               {"chip", "cores_per_chip", "100000"},              {"chip", "registers_per_engine", "100000"},
               {"dma", "engines_per_core", "1000000"},             {"tensor", "clock_ghz", "1e300"},
               {"vector", "clock_ghz", "1e-300"},                  {"dma", "fixed_latency_ns", "1e20"},
               {"dma", "fixed_latency_ns", "1e300"},               {"dma", "fixed_latency_ns", "inf"},
               {"scalar", "elems_per_cycle_other", "nan"}};
  for (const Case& c : cases) {
    const std::string text = with_value(base, c.table, c.key, c.value);
    EXPECT_THROW(load_chip_from_string(text, "absurd.toml"), Error) << c.table << "." << c.key << " = " << c.value;
  }
}

// A whole scratchpad is bounded too (each used core's SBUF is host memory in a functional run).
TEST(HwRanges, ScratchpadTotalIsBounded) {
  std::string text = read_text("hw/trn2.toml");
  text = with_value(text, "sbuf", "partitions", "4096");
  text = with_value(text, "psum", "partitions", "4096");
  text = with_value(text, "sbuf", "bytes_per_partition", "16777216");
  try {
    load_chip_from_string(text, "big.toml");
    FAIL() << "a 64 GiB SBUF was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sbuf: partitions x bytes_per_partition = 4096 x 16777216 exceeds 4 GiB"),
              std::string::npos) << e.what();
  }
}

TEST(HwRanges, EmptyFileIsNamedAsEmpty) {
  for (const char* text : {"", "\n  \n"}) {
    try {
      load_chip_from_string(text, "e.toml");
      ADD_FAILURE() << "empty text loaded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("e.toml: empty hardware description"), std::string::npos) << e.what();
    }
  }
}

TEST(HwRanges, DocsListEveryRange) {
  const std::string doc = read_text("docs/HARDWARE.md");
  for (const KeyRange& r : key_ranges()) {
    const std::string row = "| `" + std::string(r.tables) + "." + std::string(r.key) + "` | " + range_text(r) + " |";
    EXPECT_NE(doc.find(row), std::string::npos) << "docs/HARDWARE.md lacks the row " << row;
  }
}

TEST(HwRanges, EveryReadKeyHasARange) {
  EXPECT_NO_THROW(key_range("scalar", "lanes"));
  EXPECT_NO_THROW(key_range("psum", "banks"));
  EXPECT_THROW(key_range("sbuf", "banks"), Error);  // SBUF has no banks
}

}  // namespace
}  // namespace npulab::arch
