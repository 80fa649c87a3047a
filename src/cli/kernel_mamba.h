// `npulab kernel mamba`: the NKI fused-Mamba tutorial's selective scan (kernels/mamba.h).
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

namespace npulab::cli {

// Adds the subcommand; the returned function runs it when it was parsed (its exit code).
std::function<std::optional<int>()> add_mamba_kernel(CLI::App& app);

}  // namespace npulab::cli
