// A GPU system as a system: hw/systems/<name>.toml, or a system file given by path. The
// model runs tensor-parallel over `tp` of its GPUs (default: all of them), its step times
// from the calibrated GPU operator model (gpu/step_model.h).
#include <fmt/format.h>

#include "arch/gpu.h"
#include "common/error.h"
#include "deploy/system_kind.h"
#include "gpu/step_model.h"

namespace npulab::deploy {
namespace {

bool claims(const std::string& system, const arch::ChipSearchPath& path) {
  const std::string file = arch::find_hw_file_or_path(system, path, "systems");
  return !file.empty() && file_has_table(file, "system", "gpu");
}

SystemModel deploy(const std::string& system, const DeploySpec& spec, const arch::ChipSearchPath& path) {
  gpu::GpuDeployment d;
  d.model = spec.model;
  d.system = arch::load_gpu_system(system, path);
  d.cal = arch::load_gpu_calibration_by_name(d.system.gpu.calibration, path);
  d.weight_dtype = spec.weight_dtype;
  // Default: a replica's share of the GPUs (all of them for one replica).
  d.tp = spec.tp > 0 ? spec.tp : std::max<int64_t>(1, int64_t(d.system.gpus) / std::max<int64_t>(1, spec.dp));
  d.max_context = spec.max_context;
  if (spec.fp8_kv_cache && d.weight_dtype == DType::F8E4M3) d.kv_dtype = DType::F8E4M3;
  SystemModel m;
  m.device = d.system.gpu.name;
  m.devices = d.tp;  // one replica's
  m.tp = d.tp;
  m.note = fmt::format("GPU operator model, calibration {}, KV cache {}", d.cal.name, dtype_name(d.kv_dtype));
  m.perf = std::make_unique<gpu::GpuPerfModel>(std::move(d), spec.max_batched_tokens);  // validates
  return m;
}

std::vector<std::string> names(const arch::ChipSearchPath& path) { return arch::gpu_system_names(path); }

}  // namespace

SystemKind gpu_system_kind() { return {"gpu-system", "GPU systems (hw/systems/<name>.toml)", "vllm-gpu", "gpu", claims, names, deploy,
          [](const std::string& system, const arch::ChipSearchPath& path) {
            const arch::GpuSystem s = arch::load_gpu_system(system, path);
            return Occupied{s.gpu.name, int64_t(s.gpus)};
          }}; }

}  // namespace npulab::deploy
