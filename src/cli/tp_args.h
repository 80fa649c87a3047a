// `--tp N` and `--lnc 1|2` of `npulab generate` and `npulab compile` (one place, so both
// commands run the same programs): N logical NeuronCores of the chip, each of LNC physical
// cores (default: the chip's lnc_default from its hw file). docs/LLM.md, "Tensor parallelism".
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "arch/chip.h"
#include "llm/compile/model_layout.h"
#include "llm/model_config.h"

namespace npulab::cli {

struct TpArgs {
  int64_t tp = 1;
  int64_t lnc = 0;  // 0 = the chip's default
};

void add_tp_options(CLI::App& app, TpArgs& a);

// Sets co.tp / co.lnc. An explicit --lnc is checked as given (llm::compile::tp_ranks names
// what to change); when --lnc is not given and the chip's default LNC does not fit the
// model or --tp (too few cores, heads that do not divide) but LNC=1 does, LNC=1 is used and
// the returned note (else empty) says so. Heads or an FFN width that do not divide over the
// ranks are an error that also says only serving deployments pad them (llm/compile/tp_padding.h).
std::string resolve_tp(const TpArgs& a, const llm::ModelConfig& cfg, const arch::ChipConfig& chip,
                       llm::compile::CompileOptions& co);

// "NeuronCores 0-3 of 8 (--tp 2 logical cores x --lnc 2)" for the startup line.
std::string cores_used_text(int64_t tp, int64_t lnc, const arch::ChipConfig& chip);

}  // namespace npulab::cli
