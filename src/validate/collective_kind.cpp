// `collective`: a collective among the NeuronCores of one simulated chip, timed by the
// simulator as `npulab kernel all-reduce --cores N --timing-only` times it: the time of one
// message size, its algorithm bandwidth (bytes / time) and bus bandwidth (nccom-test's busbw:
// algbw x the collective's bus factor, 2 (n - 1) / n for an all-reduce).
#include <fmt/format.h>

#include "arch/chip.h"
#include "common/error.h"
#include "isa/opcode_table.h"
#include "kernels/collective_program.h"
#include "sim/simulator.h"
#include "validate/kinds.h"

namespace npulab::validate {
namespace {

struct CollectiveSetup {
  std::string hw;
  const kernels::CollectiveOp* op = nullptr;
  uint32_t cores = 0;
  DType dtype = DType::F32;
  isa::AluOp alu = isa::AluOp::add;
  uint64_t bytes = 0;
};

Prediction run(const CollectiveSetup& s, const RunContext& ctx) {
  const arch::ChipConfig chip = arch::load_chip_by_name(s.hw, ctx.path);
  if (s.cores > chip.cores_per_chip)
    fail("collective: cores = {} but chip '{}' has {} NeuronCores", s.cores, chip.name, chip.cores_per_chip);
  const kernels::CollectiveProgram p = kernels::collective_program(*s.op, chip, s.cores, s.dtype, s.alu, s.bytes);
  sim::Chip sim(chip, sim::Mode::TimingOnly);
  sim::SimOptions opt;
  opt.mode = sim::Mode::TimingOnly;
  opt.check_races = false;
  const sim::SimResult r = sim.run(p.exe, opt);
  const double algbw = double(p.message_bytes) / r.total_ns;  // bytes per ns = GB/s
  const auto plan = sim::plan_collective(chip, s.op->kind, s.cores, p.message_bytes, uint32_t(dtype_size(s.dtype)));
  Prediction out;
  out.metrics["time_us"] = r.total_ns / 1e3;
  out.metrics["algbw_gbps"] = algbw;
  out.metrics["busbw_gbps"] = algbw * sim::bus_factor(s.op->kind, s.cores);
  out.system_kind = "npu";
  out.note = fmt::format("{} of {} B among {} cores of {} ({} algorithm)", s.op->name, p.message_bytes, s.cores,
                         chip.name, sim::collective_algo_name(plan.algo));
  return out;
}

CaseRun parse(CaseReader& r, bool resolve) {
  CollectiveSetup s;
  s.hw = r.string("hw");
  const std::string op = r.string("collective");
  s.op = kernels::find_collective_op(op);
  if (!s.op) {
    std::vector<std::string> names;
    for (const auto& k : kernels::collective_ops()) names.push_back(k.name);
    r.fail_at("collective", fmt::format("unknown collective '{}' (known: {})", op, fmt::join(names, ", ")));
  }
  s.cores = uint32_t(r.integer("cores", 2, 1024));
  const std::string dt = r.string("dtype");
  const auto d = parse_dtype(dt);
  if (!d) r.fail_at("dtype", fmt::format("unknown dtype '{}' (try f32, bf16, u8)", dt));
  s.dtype = *d;
  s.bytes = uint64_t(r.integer("bytes", 1, int64_t(1) << 40));
  if (auto a = r.opt_string("reduce")) {
    const auto alu = isa::parse_alu(*a);
    if (!alu || (*alu != isa::AluOp::add && *alu != isa::AluOp::max && *alu != isa::AluOp::min))
      r.fail_at("reduce", fmt::format("expected add, max or min, got '{}'", *a));
    s.alu = *alu;
  }
  if (!resolve) return {};
  return [s](const RunContext& ctx) { return run(s, ctx); };
}

}  // namespace

CaseKind collective_kind() {
  return {"collective", "a collective among the NeuronCores of one simulated chip (npulab kernel all-reduce)",
          {"time_us", "algbw_gbps", "busbw_gbps"}, parse};
}

}  // namespace npulab::validate
