// `npulab kernel all-reduce|all-gather|reduce-scatter|all-to-all`: one collective among N
// cores of a chip, as nccom-test runs it (one line per message size: size, time, algbw,
// busbw, algorithm), each size built with kernels::ChipBuilder, simulated, and (unless
// --timing-only) verified against kernels::ref::collective.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

namespace npulab::cli {

// Adds the collective subcommands to `kernel`; the result runs the one that was parsed
// (nullopt: none was).
std::function<std::optional<int>()> add_collective_kernels(CLI::App& kernel);

}  // namespace npulab::cli
