// Sizes and the nccom-test-style table of the collective commands (cli/collective_table.h).
#include "cli/collective_table.h"

#include <fmt/format.h>

#include <cctype>

#include "common/error.h"

namespace npulab::cli {

uint64_t parse_bytes(const std::string& s, const char* opt) {
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  std::string unit = s.substr(i);
  for (char& c : unit) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (!unit.empty() && unit.back() == 'b') unit.pop_back();
  uint64_t mul = 1;
  if (unit == "k") mul = 1ull << 10;
  else if (unit == "m") mul = 1ull << 20;
  else if (unit == "g") mul = 1ull << 30;
  else if (!unit.empty()) i = 0;
  if (i == 0 || i > 12) fail("--{}: expected a size like 4096, 64K, 1M or 1G, got '{}'", opt, s);
  return std::stoull(s.substr(0, i)) * mul;
}

std::vector<uint64_t> sweep_sizes(const std::string& bytes, const std::string& minbytes, const std::string& maxbytes,
                                  double stepfactor, const char* default_max) {
  uint64_t lo, hi;
  if (!bytes.empty()) {
    lo = hi = parse_bytes(bytes, "bytes");
  } else {
    lo = parse_bytes(minbytes.empty() ? "1K" : minbytes, "minbytes");
    hi = parse_bytes(maxbytes.empty() ? default_max : maxbytes, "maxbytes");
  }
  if (lo == 0 || hi < lo) fail("message sizes must be > 0 with --minbytes <= --maxbytes (got {} .. {})", lo, hi);
  if (!(stepfactor > 1)) fail("--stepfactor must be > 1, got {}", stepfactor);
  std::vector<uint64_t> out;
  for (double b = double(lo); b <= double(hi) * (1 + 1e-12); b *= stepfactor) {
    out.push_back(uint64_t(b));
    if (lo == hi) break;
  }
  return out;
}

void print_collective_header(const std::string& last_column) {
  fmt::print("{:>14} {:>12} {:>12} {:>12}   {:<9} {:>5} {}\n", "size(B)", "time(us)", "algbw(GB/s)", "busbw(GB/s)",
             "algorithm", "steps", last_column);
}

void print_collective_row(const CollectiveRow& r) {
  const double algbw = double(r.bytes) / r.time_ns;  // bytes per ns = GB/s
  fmt::print("{:>14} {:>12.2f} {:>12.2f} {:>12.2f}   {:<9} {:>5} {}{}{}\n", r.bytes, r.time_ns / 1e3, algbw,
             algbw * r.bus_factor, r.algorithm, r.steps, r.check, r.detail.empty() ? "" : "  ", r.detail);
}

}  // namespace npulab::cli
