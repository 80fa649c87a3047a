// Strict reading of one TOML table of a validation case file (data/validation/*.toml): every
// getter records its key as known and checks the type at once; finish() rejects keys nobody
// asked for, so a misspelt field is an error instead of a silently ignored setting. Every
// message starts with where(): "<file>: case '<id>': <table>.<key>".
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

namespace npulab::validate {

class CaseReader {
 public:
  // `prefix` is "<file>: case '<id>'", `table` the table's dotted name ("setup", "measured").
  CaseReader(std::string prefix, std::string table, const toml::table& t);

  std::string string(const std::string& key);  // required, non-empty
  std::optional<std::string> opt_string(const std::string& key);
  int64_t integer(const std::string& key, int64_t lo, int64_t hi);  // required, in [lo, hi]
  std::optional<int64_t> opt_integer(const std::string& key, int64_t lo, int64_t hi);
  double real(const std::string& key, double lo, double hi);  // integers accepted
  std::optional<double> opt_real(const std::string& key, double lo, double hi);
  std::optional<bool> opt_boolean(const std::string& key);
  // `key` must be one of `allowed`.
  std::string choice(const std::string& key, const std::vector<std::string>& allowed);

  // A key read by other code (a sub-table): not unknown.
  void known_key(const std::string& key) { known_.push_back(key); }
  // Every key of the table that no getter asked for is an error naming it and the known keys.
  void finish() const;
  std::string where(const std::string& key) const;
  const std::string& prefix() const { return prefix_; }
  [[noreturn]] void fail_at(const std::string& key, const std::string& what) const;

 private:
  const toml::node* find(const std::string& key);
  std::string prefix_, table_;
  const toml::table& t_;
  std::vector<std::string> known_;
};

}  // namespace npulab::validate
