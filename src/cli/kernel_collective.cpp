// The collective subcommands of `npulab kernel` (see kernel_collective.h).
#include "cli/kernel_collective.h"

#include <fmt/format.h>

#include <memory>

#include "arch/chip.h"
#include "cli/collective_table.h"
#include "cli/emit_program.h"
#include "cli/host_env.h"
#include "common/error.h"
#include "isa/opcode_table.h"
#include "kernels/chip_builder.h"
#include "kernels/collective_program.h"
#include "kernels/host_io.h"
#include "kernels/reference.h"
#include "sim/collective/plan.h"
#include "sim/simulator.h"

namespace npulab::cli {
namespace {

struct CollArgs {
  std::string hw = "trn2", dtype = "f32", op = "add", bytes, minbytes, maxbytes;
  uint32_t cores = 0;  // 0 = every core of the chip
  double stepfactor = 2;
  bool timing_only = false;
  uint64_t seed = 1;
  EmitArgs emit{"", ""};  // --emit asm|npx: print the built program (one --bytes size) instead
};

// One message size: build, simulate, verify. Returns false when verification failed.
bool run_size(const CollArgs& a, const kernels::CollectiveOp& k, const arch::ChipConfig& chip, uint32_t n, DType t,
              isa::AluOp alu, uint64_t bytes) {
  const kernels::CollectiveProgram p = kernels::collective_program(k, chip, n, t, alu, bytes);
  const isa::Executable& exe = p.exe;
  const uint64_t src_n = p.src_n;
  const auto& X = p.x;
  const auto& Y = p.y;
  const sim::Mode mode = a.timing_only ? sim::Mode::TimingOnly : sim::Mode::Functional;
  sim::Chip sim(chip, mode, chip_options_from_env());
  std::vector<std::vector<float>> x;
  if (!a.timing_only)
    for (uint32_t r = 0; r < n; ++r) {
      x.push_back(kernels::rounded(t, kernels::random_values(src_n, a.seed * 1000 + r)));
      kernels::write_tensor(sim.hbm(), X[r].decl(), x.back());
    }
  sim::SimOptions opt;
  opt.mode = mode;
  opt.check_races = !a.timing_only;
  const sim::SimResult r = sim.run(exe, opt);
  const uint64_t msg = p.message_bytes;
  const auto plan = sim::plan_collective(chip, k.kind, n, msg, uint32_t(dtype_size(t)));
  std::string check = "-";
  bool ok = r.races.empty();
  if (!a.timing_only) {
    uint64_t bad = 0;
    for (uint32_t rank = 0; rank < n; ++rank) {
      const auto want = kernels::ref::collective(k.op, alu, t, x, rank);
      const auto got = kernels::read_tensor(sim.hbm(), Y[rank].decl());
      for (size_t i = 0; i < want.size(); ++i) bad += got[i] != want[i];
    }
    ok = ok && bad == 0;
    check = bad ? fmt::format("FAIL ({} elements)", bad) : r.races.empty() ? "exact" : "RACES";
  }
  print_collective_row({msg, r.total_ns, sim::bus_factor(k.kind, n), std::string(sim::collective_algo_name(plan.algo)),
                        plan.steps.size(), check, ""});
  return ok;
}

int run(const CollArgs& a, const kernels::CollectiveOp& k) {
  const arch::ChipConfig chip = arch::load_chip_by_name(a.hw);
  const uint32_t n = a.cores ? a.cores : chip.cores_per_chip;
  if (n > chip.cores_per_chip)
    fail("--cores {}: chip '{}' has {} NeuronCores (hw cores_per_chip)", n, chip.name, chip.cores_per_chip);
  const auto dt = parse_dtype(a.dtype);
  if (!dt) fail("--dtype: unknown dtype '{}' (try f32, bf16, f16, f8e4m3, f8e5m2, i32, i8, u8)", a.dtype);
  const auto alu = isa::parse_alu(a.op);
  if (!alu || (*alu != isa::AluOp::add && *alu != isa::AluOp::max && *alu != isa::AluOp::min))
    fail("--op: expected add, max or min, got '{}'", a.op);
  const std::vector<uint64_t> messages = sweep_sizes(a.bytes, a.minbytes, a.maxbytes, a.stepfactor, "64M");
  if (!a.emit.format.empty()) {
    if (messages.size() != 1) fail("--emit prints one program: give one size with --bytes");
    return emit_program(kernels::collective_program(k, chip, n, *dt, *alu, messages[0]).exe, a.emit);
  }
  const bool reduces = k.op == isa::Opcode::all_reduce || k.op == isa::Opcode::reduce_scatter;
  fmt::print("collective:    {} among {} of the {} NeuronCores of one {} chip, {}{}; {} DMA ring(s) per rank\n",
             k.name, n, chip.cores_per_chip, chip.name, dtype_name(*dt), reduces ? fmt::format(", op {}", a.op) : "",
             sim::collective_rings(chip));
  print_collective_header(a.timing_only ? "(timing only)" : "check");
  bool ok = true;
  for (uint64_t b : messages) ok = run_size(a, k, chip, n, *dt, *alu, b) && ok;
  return ok ? 0 : 1;
}

}  // namespace

std::function<std::optional<int>()> add_collective_kernels(CLI::App& kernel) {
  std::vector<std::pair<CLI::App*, std::shared_ptr<CollArgs>>> subs;
  for (const kernels::CollectiveOp& k : kernels::collective_ops()) {
    auto a = std::make_shared<CollArgs>();
    CLI::App* s = kernel.add_subcommand(k.name, fmt::format("{} among the NeuronCores of one chip (nccom-test style)", k.name));
    s->add_option("--cores", a->cores, "ranks: cores of the chip taking part (default: all)");
    s->add_option("--bytes", a->bytes, "one message size (4096, 64K, 1M, 1G)");
    s->add_option("--minbytes,-b", a->minbytes, "smallest message of a sweep (default 1K)");
    s->add_option("--maxbytes,-e", a->maxbytes, "largest message of a sweep (default 64M)");
    s->add_option("--stepfactor,-f", a->stepfactor, "sweep factor between sizes")->capture_default_str();
    s->add_option("--hw", a->hw, "chip name (hw/<name>.toml) or path")->capture_default_str();
    s->add_option("--dtype,-d", a->dtype, "element dtype")->capture_default_str();
    if (k.op == isa::Opcode::all_reduce || k.op == isa::Opcode::reduce_scatter)
      s->add_option("--op", a->op, "reduction: add, max or min")->capture_default_str();
    s->add_flag("--timing-only", a->timing_only, "simulate timing only: no values, no verification");
    s->add_option("--seed", a->seed, "seed of the random inputs")->capture_default_str();
    add_emit_options(*s, a->emit);
    subs.emplace_back(s, a);
  }
  return [subs]() -> std::optional<int> {
    for (size_t i = 0; i < subs.size(); ++i)
      if (subs[i].first->parsed()) return run(*subs[i].second, kernels::collective_ops()[i]);
    return std::nullopt;
  };
}

}  // namespace npulab::cli
