// A multi-chip system as a system: hw/systems/<name>.toml with `chip = ...` in its [system]
// table (arch::ChipSystem), or such a file given by path. The model runs tensor-parallel
// over all of the system's chips, each chip over its own logical NeuronCores
// (serve::MultiChipPerfModel; docs/SYSTEMS.md, "Serving across chips"): one chip's shard
// is simulated, the cross-chip collectives are timed on the system's fabric.
#include <fmt/format.h>

#include <chrono>
#include <optional>

#include "arch/chip_search.h"
#include "arch/chip_system.h"
#include "common/error.h"
#include "deploy/system_kind.h"
#include "fabric/collective.h"
#include "fabric/network.h"
#include "llm/compile/tp_padding.h"
#include "llm/compile/tp_plan.h"
#include "serve/multichip_perf_model.h"
#include "serve/perf_cache.h"
#include "serve/pipeline_perf_model.h"

namespace npulab::deploy {
namespace {

bool claims(const std::string& system, const arch::ChipSearchPath& path) {
  const std::string file = arch::find_hw_file_or_path(system, path, "systems");
  return !file.empty() && file_has_table(file, "system", "chip");
}

// The model's share on each of `chips` chips, Megatron-style as llm/compile/tp_plan.h splits
// it over ranks (kv heads replicated when fewer than the chips), plus the vocabulary
// columns of the classifier (vocabulary-parallel across chips, ceil(V / chips) each).
llm::ModelConfig chip_shard(const llm::ModelConfig& m, const arch::ChipSystem& sys, int64_t chips) {
  const std::string why = fmt::format("--system '{}' splits the model over its {} chips", sys.name, chips);
  if (m.n_heads % chips)
    fail("model '{}': its {} attention heads do not divide over {} chips ({}); use a system whose chip count divides {}",
         m.name, m.n_heads, chips, why, m.n_heads);
  if (m.n_kv_heads % chips && chips % m.n_kv_heads)
    fail("model '{}': {} kv heads and {} chips ({}): the kv heads must divide over the chips or be replicated an "
         "equal number of times",
         m.name, m.n_kv_heads, chips, why);
  if (m.hidden_dim % chips)
    fail("model '{}': its FFN width {} does not divide over {} chips ({})", m.name, m.hidden_dim, chips, why);
  llm::ModelConfig s = llm::compile::tp_shard_config(m, chips);
  s.vocab_size = (m.vocab_size + chips - 1) / chips;
  // Token ids are the whole vocabulary's; the shard's programs are timed only (no ids), so
  // its special tokens are placed inside its own columns to keep the config valid.
  s.bos_id = 0;
  s.eos_ids.clear();
  return s;
}

// The chip's (tp, lnc) for its shard when one fits: the chip's own choice (choose_chip_tp),
// else at LNC=1 the given tp or, without one, the most logical cores that divide (a shard
// of one head runs on one core rather than not at all).
std::optional<std::pair<int64_t, int64_t>> fit_on_chip(const llm::ModelConfig& shard, const arch::ChipConfig& chip,
                                                       int64_t tp_local) {
  const auto choice = choose_chip_tp(shard, chip, tp_local);
  if (chip_tp_fits(shard, chip, choice.first, choice.second)) return choice;
  for (int64_t t = tp_local > 0 ? tp_local : int64_t(chip.cores_per_chip); t >= 1 && (tp_local <= 0 || t == tp_local); --t)
    if (chip_tp_fits(shard, chip, t, 1)) return std::pair<int64_t, int64_t>{t, 1};
  return std::nullopt;
}

std::optional<std::pair<int64_t, int64_t>> shard_fits(const llm::ModelConfig& m, const arch::ChipSystem& sys,
                                                      int64_t chips, int64_t tp_local) {
  try {
    return fit_on_chip(chip_shard(m, sys, chips), sys.chip, tp_local);
  } catch (const Error&) {
    return std::nullopt;  // the model does not divide over the chips
  }
}

// How many chips the model is split over, and each chip's (tp, lnc), within `all` chips (the
// system's, or one data-parallel replica's share of them). Without --tp: all `all` chips when
// the model divides over them, else the most that it divides over
// (the first ones; the rest stay idle), each chip as fit_on_chip chooses. --tp T
// is the whole deployment's TP, chips x logical cores per chip: the most chips that divide T
// with T / chips logical cores on each. Unfit choices fail with the reason for the system's
// whole width.
struct ChipSplit {
  int64_t chips = 1, tp = 1, lnc = 1;
};
ChipSplit chip_split(const llm::ModelConfig& m, const arch::ChipSystem& sys, int64_t tp, int64_t all) {
  for (int64_t c = all; c >= 1; --c) {
    if (tp > 0 && tp % c) continue;
    const int64_t local = tp > 0 ? tp / c : 0;
    if (const auto f = shard_fits(m, sys, c, local)) return {c, f->first, f->second};
  }
  if (tp > 0 && tp % all)
    fail("--tp {}: system '{}' has {} chips{} and no chip count up to {} both divides --tp {} and splits model '{}'; "
         "use --tp = chips x logical cores per chip (a multiple of {} up to {} x {})",
         tp, sys.name, sys.chips(), all < int64_t(sys.chips()) ? fmt::format(", {} per replica (--dp)", all) : "", all,
         tp, m.name, all, all, sys.chip.cores_per_chip);
  const llm::ModelConfig shard = chip_shard(m, sys, all);  // throws the reason over the replica's whole share
  const auto [t, l] = choose_chip_tp(shard, sys.chip, tp > 0 ? tp / all : 0);
  llm::compile::tp_ranks(shard, sys.chip, t, l);  // throws naming --tp / --lnc
  fail("model '{}' does not split over system '{}'", m.name, sys.name);
}

std::optional<ChipSplit> try_chip_split(const llm::ModelConfig& m, const arch::ChipSystem& sys, int64_t tp,
                                        int64_t all) {
  try {
    return chip_split(m, sys, tp, all);
  } catch (const Error&) {
    return std::nullopt;
  }
}

// The model as the deployment runs it: itself when it splits over `all` chips at `tp`, else,
// for an explicit --tp, padded for that TP degree as transformers-neuronx pads it
// (llm/compile/tp_padding.h) when the padded model splits; `padding` says what was padded.
// When neither splits, chip_split's error for the model itself.
std::pair<llm::ModelConfig, ChipSplit> padded_split(const llm::ModelConfig& m, const arch::ChipSystem& sys,
                                                    int64_t tp, int64_t all, llm::compile::TpPadding& padding) {
  padding = llm::compile::pad_for_tp(m, std::max<int64_t>(1, tp));
  if (tp > 0 && padding.padded() && !try_chip_split(m, sys, tp, all))
    if (const auto s = try_chip_split(padding.model, sys, tp, all)) return {padding.model, *s};
  padding = llm::compile::pad_for_tp(m, 1);  // nothing padded
  return {m, chip_split(m, sys, tp, all)};
}

// The fabric of the system and a memoisable collective timing on it.
struct Fabric {
  fabric::Topology topo;
  std::unique_ptr<fabric::Network> net;
  std::vector<uint32_t> group;
  Fabric(const arch::ChipSystem& sys, uint32_t chips)
      : topo(sys), net(fabric::make_network("flow", topo)), group(fabric::default_group(topo, chips)) {}
  double ns(serve::ChipCollective k, uint64_t bytes, uint32_t elem_bytes) const {
    const fabric::CollKind kind =
        k == serve::ChipCollective::AllReduce ? fabric::CollKind::AllReduce : fabric::CollKind::AllGather;
    return fabric::collective_time_ns(*net, kind, group, bytes, elem_bytes);
  }
};

// The layers of one pipeline stage (docs/SYSTEMS.md, "Pipeline parallelism"): --pp equal
// stages of consecutive layers, each on an equal share of the replica's chips. Errors name
// --pp and what it must divide.
llm::ModelConfig stage_model(const llm::ModelConfig& m, const arch::ChipSystem& sys, int64_t pp, int64_t chips) {
  if (pp < 1) fail("--pp {}: expected at least 1 stage", pp);
  if (pp == 1) return m;
  if (pp > m.n_layers)
    fail("--pp {}: model '{}' has {} layers, fewer than the stages (each stage holds at least one layer)", pp, m.name,
         m.n_layers);
  if (m.n_layers % pp)
    fail("--pp {}: model '{}''s {} layers do not split into {} equal stages (use a --pp that divides {})", pp, m.name,
         m.n_layers, pp, m.n_layers);
  if (chips % pp)
    fail("--pp {}: system '{}' gives a replica {} chips, which do not split into {} equal stages (use a --pp that "
         "divides {})",
         pp, sys.name, chips, pp, chips);
  llm::ModelConfig s = m;
  s.n_layers = m.n_layers / pp;
  return s;
}

// One tensor-parallel group of `chips` chips running `model` (the whole model or a stage's
// layers): one chip's shard simulated, its collectives on the fabric.
std::unique_ptr<serve::MultiChipPerfModel> tp_group(const arch::ChipSystem& sys, const DeploySpec& spec,
                                                    const llm::ModelConfig& model, const ChipSplit& split, bool logits,
                                                    const std::string& padding, std::string& note) {
  const int64_t chips = split.chips;
  serve::NpuDeployment d;
  d.model = chip_shard(model, sys, chips);
  d.chip = sys.chip;
  d.weight_dtype = spec.weight_dtype;
  d.tp = split.tp;
  d.lnc = split.lnc;
  d.max_context = spec.max_context;
  d.max_batch = std::min<int64_t>(spec.max_batch, d.chip.tensor.cols);
  d.logits = logits;
  try {
    d.validate();
  } catch (const Error& e) {
    fail("--system '{}' ({} chips, each holding 1/{} of model '{}'): {}", sys.name, chips, chips, spec.model.name,
         e.what());
  }
  serve::PerfTableOrigin origin;
  serve::PerfTable t = serve::standard_perf_table(d, spec.cache_dir, std::max(1, spec.threads), spec.progress, &origin);
  note += fmt::format("{}{}", note.empty() ? "" : "; ",
                      origin.cached ? "performance table from the cache " + origin.path
                                    : fmt::format("{} step programs", origin.programs));
  serve::MultiChipPlan plan;
  plan.system = sys.name;
  plan.model = spec.model.name;
  plan.chips = chips;
  plan.dim = model.dim;
  plan.n_layers = model.n_layers;
  plan.vocab_size = model.vocab_size;
  plan.activation_bytes = 2;  // bf16
  plan.padding = padding;
  auto fab = std::make_shared<const Fabric>(sys, uint32_t(chips));
  plan.comm = [fab](serve::ChipCollective k, uint64_t bytes) {
    return fab->ns(k, bytes, k == serve::ChipCollective::AllReduce ? 2 : 4);
  };
  return std::make_unique<serve::MultiChipPerfModel>(std::make_unique<serve::NpuPerfModel>(std::move(d), std::move(t)),
                                                     std::move(plan));
}

SystemModel deploy(const std::string& system, const DeploySpec& spec, const arch::ChipSearchPath& path) {
  const arch::ChipSystem sys = arch::load_chip_system(system, path);
  const int64_t pp = spec.pp;
  ChipSplit split;
  llm::ModelConfig stage;
  llm::compile::TpPadding padding;
  try {
    // A replica's chips: the whole system, or 1/dp of it with --dp; a stage's: 1/pp of those.
    const int64_t budget = std::max<int64_t>(1, int64_t(sys.chips()) / std::max<int64_t>(1, spec.dp));
    std::tie(stage, split) = padded_split(stage_model(spec.model, sys, pp, budget), sys, spec.tp, budget / pp, padding);
  } catch (const Error& e) {
    fail("--system '{}' ({} chips of '{}'): {}", sys.name, sys.chips(), sys.chip.name, e.what());
  }
  const auto t0 = std::chrono::steady_clock::now();
  SystemModel m;
  m.device = sys.chip.name;
  m.devices = pp * split.chips;  // one replica's
  m.tp = split.chips * split.tp;
  m.pp = pp;
  std::string tables;
  if (pp == 1) {
    m.perf = tp_group(sys, spec, stage, split, true, padding.describe(), tables);
  } else {
    serve::PipelinePlan plan;
    plan.system = sys.name;
    plan.model = spec.model.name;
    plan.stages = pp;
    plan.layers_per_stage = stage.n_layers;
    // vLLM's default: as many virtual engines as stages, each step one micro-batch.
    plan.virtual_engines = spec.virtual_engines > 0 ? spec.virtual_engines : pp;
    plan.micro_batches = spec.micro_batches > 0 ? spec.micro_batches : (plan.virtual_engines > 1 ? 1 : pp);
    m.virtual_engines = plan.virtual_engines;
    plan.dim = spec.model.dim;
    plan.activation_bytes = 2;  // bf16
    // Stage s holds chips [s G, (s + 1) G) of the replica's (the system's first, ascending);
    // each of its chips hands the activations to the same position of stage s + 1.
    const int64_t G = split.chips;
    auto fab = std::make_shared<const Fabric>(sys, uint32_t(pp * G));
    plan.send = [fab, G](int64_t from, uint64_t bytes) {
      const auto first = fab->group.begin() + from * G;
      const std::vector<uint32_t> a(first, first + G), b(first + G, first + 2 * G);
      return fabric::pairwise_send_ns(*fab->net, a, b, bytes, 2);
    };
    auto inner = tp_group(sys, spec, stage, split, false, padding.describe(), tables);
    auto last = tp_group(sys, spec, stage, split, true, padding.describe(), tables);
    m.perf = std::make_unique<serve::PipelinePerfModel>(std::move(inner), std::move(last), std::move(plan));
  }
  m.note = fmt::format("{}one chip's shard {}simulated ({}, {:.2f} s); cross-chip collectives on the '{}' fabric",
                       padding.padded() ? padding.describe() + "; " : "", pp > 1 ? "of each kind of pipeline stage " : "",
                       tables, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), sys.name);
  return m;
}

std::vector<std::string> names(const arch::ChipSearchPath& path) { return arch::chip_system_names(path); }

Occupied occupies(const std::string& system, const arch::ChipSearchPath& path) {
  const arch::ChipSystem s = arch::load_chip_system(system, path);
  return Occupied{s.chip.name, int64_t(s.chips())};
}

}  // namespace

SystemKind multichip_system_kind() {
  return {"chip-system", "multi-chip systems (hw/systems/<name>.toml with chip = ...)", "neuron-vllm", "npu", claims,
          names, deploy, occupies, true};
}

}  // namespace npulab::deploy
