// Strict, typed reading of one TOML table of a hardware file. Every getter records the
// key as known and validates type and range at once; a missing key yields 0 and is
// reported by finish(), which also rejects any key that was not asked for, so a typo in a
// hw/*.toml is an error instead of a silently ignored number. Call finish() before using
// the values. Every error names the file, the table.key and what was expected.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <toml++/toml.h>

namespace npulab::arch {

class TomlTableReader {
 public:
  // `root` is the parsed document; `table` the name of the [table] to read (must exist).
  TomlTableReader(const std::string& file, const toml::table& root, std::string table);

  std::string string(const std::string& key);      // non-empty string
  uint32_t positive_u32(const std::string& key);   // integer > 0, fits 32 bits
  uint32_t nonneg_u32(const std::string& key);     // integer >= 0 (overheads may be 0)
  uint64_t positive_u64(const std::string& key);   // integer > 0
  double positive(const std::string& key);         // finite number > 0 (int or float)
  double nonneg(const std::string& key);           // finite number >= 0

  void finish() const;  // throws on unknown keys (first) and missing keys

  // "file: table.key" prefix used in every message.
  std::string where(const std::string& key) const;

 private:
  const toml::node* find(const std::string& key);  // nullptr (recorded) when missing
  int64_t integer(const std::string& key, int64_t min, int64_t max, const char* expected);
  double number(const std::string& key, bool allow_zero);

  std::string file_, name_;
  const toml::table* table_ = nullptr;
  std::vector<std::string> known_, missing_;
};

// Rejects top-level entries of `root` that are not in `tables` and any of `tables`
// that is missing or not a table.
void check_top_level(const std::string& file, const toml::table& root,
                     const std::vector<std::string>& tables);

}  // namespace npulab::arch
