// The simulated chip as a system: hw/<name>.toml, or a chip file given by path. The model
// runs on `tp` logical NeuronCores of one chip at the chip's default LNC, its step times
// from the performance table of its simulated step programs (serve/perf_table.h).
#include <fmt/format.h>

#include "arch/chip_search.h"
#include "common/error.h"
#include "deploy/system_kind.h"
#include "llm/compile/tp_padding.h"
#include "llm/compile/tp_plan.h"
#include "serve/npu_perf_model.h"
#include "serve/perf_cache.h"

namespace npulab::deploy {
bool chip_tp_fits(const llm::ModelConfig& m, const arch::ChipConfig& chip, int64_t tp, int64_t lnc) {
  try {
    llm::compile::tp_ranks(m, chip, tp, lnc);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// For tp = 0: as many logical cores as the chip has at the default LNC, else at LNC=1,
// else the most at the default LNC that divide.
std::pair<int64_t, int64_t> choose_chip_tp(const llm::ModelConfig& m, const arch::ChipConfig& chip, int64_t tp) {
  const int64_t lnc = chip.lnc_default, cores = chip.cores_per_chip;
  if (tp > 0) {
    if (chip_tp_fits(m, chip, tp, lnc) || lnc == 1) return {tp, lnc};
    return {tp, chip_tp_fits(m, chip, tp, 1) ? 1 : lnc};  // an unfit choice fails in validate() with the reason
  }
  if (chip_tp_fits(m, chip, cores / lnc, lnc)) return {cores / lnc, lnc};
  if (chip_tp_fits(m, chip, cores, 1)) return {cores, 1};
  for (int64_t t = cores / lnc; t > 1; --t)
    if (chip_tp_fits(m, chip, t, lnc)) return {t, lnc};
  return {1, lnc};
}

namespace {

bool claims(const std::string& system, const arch::ChipSearchPath& path) {
  const std::string file = arch::find_hw_file_or_path(system, path, "");
  return !file.empty() && file_has_table(file, "chip");
}

SystemModel deploy(const std::string& system, const DeploySpec& spec, const arch::ChipSearchPath& path) {
  serve::NpuDeployment d;
  d.model = spec.model;
  d.chip = arch::load_chip_by_name(system, path);
  d.weight_dtype = spec.weight_dtype;
  std::tie(d.tp, d.lnc) = choose_chip_tp(spec.model, d.chip, spec.tp);
  // An explicit --tp the model does not split over: the model padded for it as
  // transformers-neuronx pads it (llm/compile/tp_padding.h), when that splits; else
  // validate() names what does not divide.
  if (spec.tp > 0 && !chip_tp_fits(d.model, d.chip, d.tp, d.lnc)) {
    const llm::compile::TpPadding p = llm::compile::pad_for_tp(spec.model, spec.tp);
    const auto [t, l] = choose_chip_tp(p.model, d.chip, spec.tp);
    if (p.padded() && chip_tp_fits(p.model, d.chip, t, l)) {
      d.model = p.model;
      std::tie(d.tp, d.lnc) = std::pair{t, l};
      d.padding = p.describe();
    }
  }
  d.max_context = spec.max_context;
  d.max_batch = std::min<int64_t>(spec.max_batch, d.chip.tensor.cols);
  d.validate();
  serve::PerfTableOrigin origin;
  serve::PerfTable t = serve::standard_perf_table(d, spec.cache_dir, std::max(1, spec.threads), spec.progress, &origin);
  SystemModel m;
  m.device = d.chip.name;
  m.devices = 1;
  m.tp = d.tp;
  m.note = d.padding.empty() ? "" : d.padding + "; ";
  m.note += origin.cached ? fmt::format("performance table from the cache ({}), {:.2f} s", origin.path, origin.host_s)
                         : fmt::format("performance table built: {} step programs simulated in {:.2f} s{}",
                                       origin.programs, origin.host_s,
                                       origin.path.empty() ? "" : ", cached as " + origin.path);
  m.perf = std::make_unique<serve::NpuPerfModel>(std::move(d), std::move(t));
  return m;
}

}  // namespace

SystemKind chip_system_kind() {
  return {"chip",  "simulated chips (hw/<name>.toml)", "neuron-vllm", "npu", claims, arch::chip_names, deploy,
          [](const std::string& system, const arch::ChipSearchPath& path) {
            return Occupied{arch::load_chip_by_name(system, path).name, 1};
          }};
}

}  // namespace npulab::deploy
