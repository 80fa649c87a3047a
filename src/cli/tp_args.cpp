#include "cli/tp_args.h"

#include <fmt/format.h>

#include "common/error.h"
#include "llm/compile/tp_plan.h"

namespace npulab::cli {

void add_tp_options(CLI::App& app, TpArgs& a) {
  app.add_option("--tp", a.tp, "tensor parallelism: logical NeuronCores of the chip that run the model")
      ->check(CLI::PositiveNumber);
  app.add_option("--lnc", a.lnc, "physical NeuronCores per logical core (default: the chip's, e.g. 2 on trn2)")
      ->check(CLI::PositiveNumber);
}

std::string resolve_tp(const TpArgs& a, const llm::ModelConfig& cfg, const arch::ChipConfig& chip,
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

std::string cores_used_text(int64_t tp, int64_t lnc, const arch::ChipConfig& chip) {
  const int64_t n = tp * lnc, all = int64_t(chip.cores_per_chip);
  const std::string which = n == 1 ? "NeuronCore 0" : fmt::format("NeuronCores 0-{}", n - 1);
  const std::string idle = n == all ? "all of the chip's" : fmt::format("the other {} idle", all - n);
  return fmt::format("{} of {} ({}; --tp {} logical core{} x --lnc {})", which, all, idle, tp, tp > 1 ? "s" : "",
                     lnc);
}

}  // namespace npulab::cli
