// Strict, typed reading of one TOML table of a hardware file. Every getter records the
// key as known and validates type and plausible range (arch/hw_ranges.h) at once; a missing key yields 0 and is
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

  std::string string(const std::string& key);  // non-empty string
  // Numbers: type and plausible range from the key's row of the range table
  // (arch/hw_ranges.h); a value outside it is an error naming the key and the range.
  uint32_t u32(const std::string& key);   // an integer key whose range fits 32 bits
  uint64_t u64(const std::string& key);   // an integer key
  double real(const std::string& key);    // a real key (integers accepted: 2 means 2.0)
  bool boolean(const std::string& key);   // true or false
  // An array of integers, each in the key's range, ascending (may be empty).
  std::vector<int64_t> ascending_ints(const std::string& key);
  // A non-empty array of integers, each in the key's range (topology dimensions).
  std::vector<uint32_t> u32_list(const std::string& key);

  void finish() const;  // throws on unknown keys (first) and missing keys

  // "file: table.key" prefix used in every message.
  std::string where(const std::string& key) const;

 private:
  const toml::node* find(const std::string& key);  // nullptr (recorded) when missing
  int64_t integer(const std::string& key);

  std::string file_, name_;
  const toml::table* table_ = nullptr;
  std::vector<std::string> known_, missing_;
};

// The text of a hardware file ("<path>: cannot open hardware description file" if unreadable).
std::string read_hw_file(const std::string& path);
// Parses a hardware file's text: empty text and TOML syntax errors are errors naming `path`
// (and line:column).
toml::table parse_hw_text(std::string_view text, const std::string& path);

// Rejects top-level entries of `root` that are not in `tables` and any of `tables`
// that is missing or not a table.
void check_top_level(const std::string& file, const toml::table& root,
                     const std::vector<std::string>& tables);
// The same with `optional` tables that may be absent (e.g. the price bases an instance
// file lists only where a price is published).
void check_top_level(const std::string& file, const toml::table& root, const std::vector<std::string>& tables,
                     const std::vector<std::string>& optional);

}  // namespace npulab::arch
