#include "serve/multichip_perf_model.h"

#include <fmt/format.h>

#include "common/error.h"

namespace npulab::serve {

MultiChipPerfModel::MultiChipPerfModel(std::unique_ptr<NpuPerfModel> chip, MultiChipPlan plan)
    : chip_(std::move(chip)), plan_(std::move(plan)) {
  if (!chip_) fail("multi-chip model: no chip model");
  if (plan_.chips < 1) fail("multi-chip model on '{}': {} chips, expected at least 1", plan_.system, plan_.chips);
  if (plan_.chips > 1 && !plan_.comm) fail("multi-chip model on '{}': no collective timing", plan_.system);
}

std::string MultiChipPerfModel::describe() const {
  const NpuDeployment& d = chip_->deployment();
  return fmt::format(
      "{} {} on {} (TP{} = {} chips x TP{} x LNC{}; each {} chip: {} heads, {} kv head{}, FFN {}, vocab {} on "
      "NeuronCores 0-{} of {}){}",
      plan_.model, dtype_name(d.weight_dtype), plan_.system, plan_.chips * d.tp, plan_.chips, d.tp, d.lnc, d.chip.name,
      d.model.n_heads, d.model.n_kv_heads, d.model.n_kv_heads == 1 ? "" : "s", d.model.hidden_dim, d.model.vocab_size,
      d.cores() - 1, d.chip.cores_per_chip, plan_.padding.empty() ? "" : "; " + plan_.padding);
}

KvMemory MultiChipPerfModel::memory() const {
  KvMemory m = chip_->memory();
  m.capacity_bytes *= plan_.chips;
  m.bytes_per_token *= plan_.chips;
  return m;
}

double MultiChipPerfModel::collective_ns(ChipCollective k, uint64_t bytes) {
  if (plan_.chips == 1 || bytes == 0) return 0;
  const auto key = std::make_pair(k, bytes);
  auto it = memo_.find(key);
  if (it == memo_.end()) it = memo_.emplace(key, plan_.comm(k, bytes)).first;
  return it->second;
}

double MultiChipPerfModel::program_comm_ns(const StepProgramShape& p) {
  const uint64_t act = uint64_t(p.tokens) * uint64_t(plan_.dim) * plan_.activation_bytes;
  double ns = 2.0 * double(plan_.n_layers) * collective_ns(ChipCollective::AllReduce, act);
  if (p.logits) {
    const uint64_t rows = p.decode ? uint64_t(p.tokens) : 1;  // a prefill chunk's logits are its last row
    ns += collective_ns(ChipCollective::AllGather, rows * uint64_t(plan_.vocab_size) * 4);
  }
  return ns;
}

double MultiChipPerfModel::comm_ns(std::span<const SeqStep> step) {
  double ns = 0;
  chip_->for_each_program(step, [&](const StepProgramShape& p) { ns += program_comm_ns(p); });
  return ns;
}

double MultiChipPerfModel::step_ns(std::span<const SeqStep> step) {
  double compute = 0, comm = 0;
  chip_->for_each_program(step, [&](const StepProgramShape& p) {
    compute += chip_->program_ns(p);
    comm += program_comm_ns(p);
  });
  comm_total_ += comm;
  step_total_ += compute + comm;
  return compute + comm;
}

}  // namespace npulab::serve
