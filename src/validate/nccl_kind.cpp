// `nccl`: an NCCL all-reduce on a GPU system, from the GPU operator model's all-reduce
// (gpu/op_model.h, docs/GPU.md "All-reduce": fixed latency plus 2 (n - 1) / n of the buffer
// over one direction of NVLink at the fitted bus efficiency). busbw as nccl-tests reports it:
// algbw (bytes / time) x 2 (n - 1) / n.
#include <fmt/format.h>

#include "arch/gpu.h"
#include "common/error.h"
#include "gpu/op_model.h"
#include "validate/kinds.h"

namespace npulab::validate {
namespace {

struct NcclSetup {
  std::string system;
  int64_t gpus = 0;  // 0 = every GPU of the system
  double bytes = 0;
};

Prediction run(const NcclSetup& s, const RunContext& ctx) {
  const arch::GpuSystem sys = arch::load_gpu_system(s.system, ctx.path);
  const int64_t n = s.gpus > 0 ? s.gpus : int64_t(sys.gpus);
  if (n < 2 || n > int64_t(sys.gpus))
    fail("nccl: gpus = {} but system '{}' has {} GPUs (an all-reduce needs 2 or more)", n, sys.name, sys.gpus);
  const gpu::GpuModel g{sys.gpu, arch::load_gpu_calibration_by_name(sys.gpu.calibration, ctx.path)};
  const double ns = gpu::allreduce_ns(g, s.bytes, n);
  const double algbw = s.bytes / ns;
  Prediction p;
  p.metrics["time_us"] = ns / 1e3;
  p.metrics["algbw_gbps"] = algbw;
  p.metrics["busbw_gbps"] = algbw * 2.0 * double(n - 1) / double(n);
  p.system_kind = "gpu";
  p.note = fmt::format("all-reduce of {:.0f} B over {} {} (calibration {})", s.bytes, n, sys.gpu.name, g.cal.name);
  return p;
}

CaseRun parse(CaseReader& r, bool resolve) {
  NcclSetup s;
  s.system = r.string("system");
  s.gpus = r.opt_integer("gpus", 2, 1024).value_or(0);
  s.bytes = double(r.integer("bytes", 1, int64_t(1) << 40));
  if (!resolve) return {};
  return [s](const RunContext& ctx) { return run(s, ctx); };
}

}  // namespace

CaseKind nccl_kind() {
  return {"nccl", "an NCCL all-reduce on a GPU system, from the GPU model's all-reduce (gpu/op_model.h)",
          {"time_us", "algbw_gbps", "busbw_gbps"}, parse};
}

}  // namespace npulab::validate
