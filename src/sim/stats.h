// Run statistics for people (a table) and tools (JSON): total time, per-stream busy time
// and busy %, instruction counts, FLOPs and achieved TFLOPS, HBM traffic and bandwidth,
// races. Shared by `npulab run` and the kernel commands.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "arch/chip.h"
#include "sim/result.h"

namespace npulab::sim {

// Number of cores that ran at least one instruction.
uint32_t cores_used(const SimResult& r);
// Multi-line human-readable summary (ends with a newline).
std::string format_stats(const SimResult& r, const arch::ChipConfig& chip);
nlohmann::json stats_to_json(const SimResult& r, const arch::ChipConfig& chip);

}  // namespace npulab::sim
