// The kinds of system a model can be deployed on, one table row each (system_kinds.cpp):
// a kind says which names and files are its own and deploys a model on one of them. A
// name belongs to the first kind that claims it; kinds own disjoint files (chips in hw/,
// GPU systems in hw/systems/ with [system] gpu = ..., multi-chip systems in hw/systems/
// with [system] chip = ...), so the order only matters for files given by path, which each
// kind recognises by its top-level table.
#pragma once
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "arch/chip.h"

#include "deploy/system_model.h"

namespace npulab::deploy {

// The devices a run on a system occupies by default (its whole width: one chip, all of a
// GPU system's GPUs), for prices and power.
struct Occupied {
  std::string device;  // the accelerator's hw name
  int64_t devices = 1;
};

struct SystemKind {
  const char* name;  // "chip", "gpu-system"
  const char* what;  // for listings and errors: "simulated chip (hw/<name>.toml)"
  const char* default_stack;  // hw/stacks/<name>.toml the kind is served with by default
  const char* family;         // "npu" or "gpu": whose validation errors its figures quote
  bool (*claims)(const std::string& system, const arch::ChipSearchPath& path);
  std::vector<std::string> (*names)(const arch::ChipSearchPath& path);
  SystemModel (*deploy)(const std::string& system, const DeploySpec& spec, const arch::ChipSearchPath& path);
  Occupied (*occupies)(const std::string& system, const arch::ChipSearchPath& path);
  bool pipelines = false;  // deploys DeploySpec::pp > 1 (pipeline stages across its devices)
};

std::span<const SystemKind> system_kinds();

// The kind `system` is (nullptr when none claims it).
const SystemKind* find_system_kind(const std::string& system, const arch::ChipSearchPath& path);

// Whether the TOML file's top level has `table` (and, when `key` is given, that table has
// `key`): how a kind recognises its files ([chip]; [system] with gpu = ...). A file that does
// not parse is nobody's here; the loader of the kind it was meant for reports its error.
bool file_has_table(const std::string& file, const char* table, const char* key = nullptr);

// The kinds' implementations (chip_system.cpp, gpu_system.cpp, multichip_system.cpp).
SystemKind chip_system_kind();
SystemKind gpu_system_kind();
SystemKind multichip_system_kind();

// The on-chip parallelism (tp logical cores, lnc) of `m` on `chip` (chip_system.cpp): an
// explicit tp at the chip's default LNC (LNC=1 when the default does not divide the model),
// or, for tp = 0, the whole chip when the model divides over it, else the most logical cores
// that divide.
std::pair<int64_t, int64_t> choose_chip_tp(const llm::ModelConfig& m, const arch::ChipConfig& chip, int64_t tp);
// Whether llm::compile::tp_ranks accepts `tp` x `lnc` for `m` on `chip`.
bool chip_tp_fits(const llm::ModelConfig& m, const arch::ChipConfig& chip, int64_t tp, int64_t lnc);

}  // namespace npulab::deploy
