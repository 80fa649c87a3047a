// Range checks of numeric CLI options whose failures read well: CLI11's own
// PositiveNumber/Range print the limits of a double ("not in range 2.2250738585072014e-308
// to 1.7976931348623157e+308"); these say "--batch: expected an integer >= 1, got 0".
#pragma once
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace npulab::cli {

// Bounds of the LLM commands' sizes (generate, compile): positions, prompt and context
// lengths, tokens to generate (beyond any model's context, and the host holds per-token
// arrays), and decode batches (one KV cache slot each).
constexpr int64_t kMaxTokens = int64_t(1) << 24, kMaxBatch = 65536;

// An integer option in [lo, hi] (hi = the type's max: "an integer >= lo").
inline CLI::Validator int_range(int64_t lo, int64_t hi = std::numeric_limits<int64_t>::max()) {
  const std::string want = hi == std::numeric_limits<int64_t>::max()
                               ? fmt::format("an integer >= {}", lo)
                               : fmt::format("an integer in [{}, {}]", lo, hi);
  return CLI::Validator(
      [lo, hi, want](std::string& s) -> std::string {
        int64_t v = 0;
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi)
          return fmt::format("expected {}, got {}", want, s);
        return {};
      },
      hi == std::numeric_limits<int64_t>::max() ? fmt::format("INT>={}", lo) : fmt::format("INT in [{}, {}]", lo, hi));
}

// A real option in [lo, hi] (finite).
inline CLI::Validator real_range(double lo, double hi) {
  const std::string want = fmt::format("a number in [{}, {}]", lo, hi);
  return CLI::Validator(
      [lo, hi, want](std::string& s) -> std::string {
        double v = 0;
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v) || v < lo || v > hi)
          return fmt::format("expected {}, got {}", want, s);
        return {};
      },
      fmt::format("NUMBER in [{}, {}]", lo, hi));
}

}  // namespace npulab::cli
