#include "cli/tp_args.h"

#include <fmt/format.h>

#include "common/error.h"
#include "llm/compile/tp_padding.h"
#include "llm/compile/tp_plan.h"

namespace npulab::cli {

void add_tp_options(CLI::App& app, TpArgs& a) {
  app.add_option("--tp", a.tp, "tensor parallelism: logical NeuronCores of the chip that run the model")
      ->check(CLI::PositiveNumber);
  app.add_option("--lnc", a.lnc, "physical NeuronCores per logical core (default: the chip's, e.g. 2 on trn2)")
      ->check(CLI::PositiveNumber);
}

namespace {
// The model's own programs (with its weights, or timed as compiled) at a TP its heads or FFN
// width do not divide: tp_ranks's error, plus that only serving deployments pad the heads
// (llm/compile/tp_padding.h: padding changes the model's shapes, its checkpoint has none of
// the zero heads).
[[noreturn]] void fail_unpadded(const Error& e, const llm::ModelConfig& cfg, int64_t ranks) {
  const llm::compile::TpPadding p = llm::compile::pad_for_tp(cfg, ranks);
  if (!p.padded()) throw e;
  fail("{}. Model '{}' has {} attention heads ({} kv heads, FFN {}), which {} ranks do not divide: only timing-only "
       "serving runs (npulab bench / validate --system S --tp T) pad them as transformers-neuronx does ({}); "
       "npulab generate and compile run the model's own shapes and do not",
       e.what(), cfg.name, cfg.n_heads, cfg.n_kv_heads, cfg.hidden_dim, ranks, p.describe());
}
// resolve_tp without the padding hint.
std::string resolve_tp_unpadded(const TpArgs& a, const llm::ModelConfig& cfg, const arch::ChipConfig& chip,
                                llm::compile::CompileOptions& co) {
  co.tp = a.tp;
  co.lnc = a.lnc > 0 ? a.lnc : int64_t(chip.lnc_default);
  if (a.lnc > 0 || co.lnc == 1) {
    llm::compile::tp_ranks(cfg, chip, co.tp, co.lnc);
    return {};
  }
  try {
    llm::compile::tp_ranks(cfg, chip, co.tp, co.lnc);
    return {};
  } catch (const Error& e) {
    llm::compile::tp_ranks(cfg, chip, co.tp, 1);  // throws the LNC=1 error when that does not fit either
    const std::string note = fmt::format("chip '{}''s default --lnc {} does not fit ({}); using --lnc 1", chip.name,
                                         co.lnc, e.what());
    co.lnc = 1;
    return note;
  }
}

}  // namespace

std::string resolve_tp(const TpArgs& a, const llm::ModelConfig& cfg, const arch::ChipConfig& chip,
                       llm::compile::CompileOptions& co) {
  try {
    return resolve_tp_unpadded(a, cfg, chip, co);
  } catch (const Error& e) {
    // The ranks of the error thrown: the given --lnc, else LNC=1 (the default's fallback).
    const int64_t lnc = a.lnc > 0 ? a.lnc : 1, ranks = a.tp * lnc;
    if (a.tp < 1 || lnc > int64_t(chip.lnc_max) || ranks > int64_t(chip.cores_per_chip)) throw;
    fail_unpadded(e, cfg, ranks);
  }
}

std::string cores_used_text(int64_t tp, int64_t lnc, const arch::ChipConfig& chip) {
  const int64_t n = tp * lnc, all = int64_t(chip.cores_per_chip);
  const std::string which = n == 1 ? "NeuronCore 0" : fmt::format("NeuronCores 0-{}", n - 1);
  const std::string idle = n == all ? "all of the chip's" : fmt::format("the other {} idle", all - n);
  return fmt::format("{} of {} ({}; --tp {} logical core{} x --lnc {})", which, all, idle, tp, tp > 1 ? "s" : "",
                     lnc);
}

}  // namespace npulab::cli
