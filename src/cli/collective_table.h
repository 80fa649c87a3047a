// What the collective commands share (`npulab kernel all-reduce` on one chip's cores,
// `npulab collective` across a system's chips): message sizes as nccom-test spells them and
// its table, one line per size.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace npulab::cli {

// "4096", "64K", "1M", "1gb" (binary multiples, as nccom-test's --minbytes 1kb); `opt` names
// the option in the error.
uint64_t parse_bytes(const std::string& s, const char* opt);

// The sizes of a sweep: one --bytes, or --minbytes .. --maxbytes by --stepfactor (defaults
// 1K and `default_max`).
std::vector<uint64_t> sweep_sizes(const std::string& bytes, const std::string& minbytes, const std::string& maxbytes,
                                  double stepfactor, const char* default_max);

struct CollectiveRow {
  uint64_t bytes = 0;
  double time_ns = 0;
  double bus_factor = 0;      // busbw = algbw x this (nccom-test)
  std::string algorithm;      // short name
  size_t steps = 0;
  std::string check;          // "exact", "FAIL (...)", "-"
  std::string detail;         // printed last (may be empty)
};
// The header line: size(B) time(us) algbw(GB/s) busbw(GB/s) algorithm steps <last>.
void print_collective_header(const std::string& last_column);
void print_collective_row(const CollectiveRow& r);

}  // namespace npulab::cli
