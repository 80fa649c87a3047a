// Telling GPU systems from chip systems by their [system] key (arch/system_kind.h).
#include "arch/system_kind.h"

#include <fmt/format.h>

#include "arch/toml_reader.h"
#include "common/error.h"

namespace npulab::arch {

SystemKind system_file_kind(const std::string& file) {
  const toml::table root = parse_hw_text(read_hw_file(file), file);
  const toml::table* sys = root["system"].as_table();
  if (!sys) fail("{}: missing table [system] (a system file names its chip or its GPU there)", file);
  const bool gpu = sys->contains("gpu"), chip = sys->contains("chip");
  if (gpu == chip)
    fail("{}: system: expected exactly one of the keys 'chip' (a chip system, e.g. chip = \"trn2\") and 'gpu' "
         "(a GPU system, e.g. gpu = \"h100-sxm\"), got {}",
         file, gpu ? "both" : "neither");
  return gpu ? SystemKind::Gpu : SystemKind::Chip;
}

std::vector<std::string> system_names(const ChipSearchPath& path, SystemKind kind) {
  std::vector<std::string> out;
  for (const std::string& n : hw_names(path, kSystemsDir)) {
    const auto file = find_hw_file(n, path, kSystemsDir);
    try {
      if (system_file_kind(file.string()) == kind) out.push_back(n);
    } catch (const Error&) {
      // A broken file is neither kind; loading it by name reports what is wrong.
    }
  }
  return out;
}

std::string resolve_system_file(const std::string& name_or_path, const ChipSearchPath& path, SystemKind kind) {
  const bool want_gpu = kind == SystemKind::Gpu;
  std::string file;
  try {
    file = resolve_hw_file(want_gpu ? "GPU system" : "chip system", name_or_path, path, kSystemsDir);
  } catch (const Error&) {
    // List only the systems of the kind asked for (the folder holds both).
    const auto names = system_names(path, kind);
    fail("unknown {} '{}' (available: {}; searched {} under {}/; set NPULAB_HW_PATH or give a path to a .toml file)",
         want_gpu ? "GPU system" : "chip system", name_or_path,
         names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", ")), path.describe(), kSystemsDir);
  }
  if (system_file_kind(file) != kind)
    fail("{}: system.{}: this is a {} system, not a {} system ({})", file, want_gpu ? "chip" : "gpu",
         want_gpu ? "chip" : "GPU", want_gpu ? "GPU" : "chip",
         want_gpu ? "chip systems are read by arch::load_chip_system: npulab info, npulab collective --system"
                  : "GPU systems are read by arch::load_gpu_system: npulab gpu-step --system");
  return file;
}

}  // namespace npulab::arch
