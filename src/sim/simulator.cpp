// sim::Chip: owns the chip's memories (lazily backed HBM shared by all cores, per-core
// SBUF/PSUM created on first use in functional mode, none in timing-only mode) and runs
// executables through the scheduler (sim/scheduler/event_loop.h), and its host helper
// thread. No global state: any number of Chips can live in one process.
#include "sim/simulator.h"

#include <thread>

#include "common/error.h"
#include "isa/validate.h"
#include "sim/kernels_host/helper_thread.h"
#include "sim/scheduler/event_loop.h"
#include "sim/scheduler/prepared.h"

namespace npulab::sim {

struct Chip::Impl {
  arch::ChipConfig cfg;
  Mode mode;
  Hbm hbm;
  std::vector<std::unique_ptr<Scratchpad>> sbuf, psum;
  PreparedExe scratch;  // Chip::run(exe)'s preparation, storage reused across runs
  std::unique_ptr<host::HelperThread> helper;  // null: large matmuls on one thread

  Impl(const arch::ChipConfig& c, Mode m, const ChipOptions& o)
      : cfg(c), mode(m), hbm(c.hbm.capacity_bytes, m == Mode::Functional),
        sbuf(c.cores_per_chip), psum(c.cores_per_chip) {
    if (o.helper_thread && m == Mode::Functional && std::thread::hardware_concurrency() >= 2)
      helper = std::make_unique<host::HelperThread>();
  }

  void load_constants(const isa::Executable& exe) {
    for (size_t i = 0; i < exe.constants.size(); ++i) {
      const isa::Constant& k = exe.constants[i];
      if (k.hbm_offset > cfg.hbm.capacity_bytes ||
          k.bytes.size() > cfg.hbm.capacity_bytes - k.hbm_offset)
        fail("constant {}: HBM range [{}, {}) is outside HBM capacity {} bytes", i, k.hbm_offset,
             k.hbm_offset + k.bytes.size(), cfg.hbm.capacity_bytes);
      if (mode == Mode::Functional && !k.bytes.empty())
        hbm.write(k.hbm_offset, k.bytes.data(), k.bytes.size());
    }
  }

  ChipMemories memories(size_t cores_used) {
    ChipMemories m;
    m.hbm = &hbm;
    m.helper = helper.get();
    m.sbuf.assign(cfg.cores_per_chip, nullptr);
    m.psum.assign(cfg.cores_per_chip, nullptr);
    if (mode != Mode::Functional) return m;
    for (size_t c = 0; c < cores_used; ++c) {
      if (!sbuf[c])
        sbuf[c] = std::make_unique<Scratchpad>(cfg.sbuf.partitions, cfg.sbuf.bytes_per_partition, true);
      if (!psum[c])
        psum[c] = std::make_unique<Scratchpad>(cfg.psum.partitions, cfg.psum.bytes_per_partition, true);
      m.sbuf[c] = sbuf[c].get();
      m.psum[c] = psum[c].get();
    }
    return m;
  }
};

Chip::Chip(const arch::ChipConfig& cfg, Mode mode, const ChipOptions& options)
    : impl_(std::make_unique<Impl>(cfg, mode, options)) {}
Chip::~Chip() = default;

const arch::ChipConfig& Chip::config() const { return impl_->cfg; }
Mode Chip::mode() const { return impl_->mode; }
Hbm& Chip::hbm() { return impl_->hbm; }

namespace {

void check_cores(const isa::Executable& exe, const arch::ChipConfig& cfg) {
  if (exe.cores.size() > cfg.cores_per_chip)
    fail("executable '{}' uses {} cores but chip '{}' has {}", exe.name, exe.cores.size(), cfg.name,
         cfg.cores_per_chip);
}

}  // namespace

SimResult Chip::run(const isa::Executable& exe, const SimOptions& opts) {
  check_cores(exe, impl_->cfg);
  isa::validate_executable_decls(exe, impl_->cfg);
  // Validation and precomputation in one pass; the storage is the Chip's, reused by the
  // next run (no page faults for fresh per-instruction arrays on every run).
  PreparedExe& prog = impl_->scratch;
  prepare_executable(impl_->cfg, exe, /*validate=*/true, prog);
  return run_prepared(prog, opts);
}

PreparedProgram Chip::prepare(const isa::Executable& exe) const {
  check_cores(exe, impl_->cfg);
  isa::validate_executable(exe, impl_->cfg);
  PreparedProgram p;
  p.p_ = std::make_unique<PreparedExe>(prepare_executable(impl_->cfg, exe));
  return p;
}

SimResult Chip::run(const PreparedProgram& prog, const SimOptions& opts) {
  if (!prog.p_) fail("Chip::run: the prepared program was moved from");
  if (prog.p_->chip != &impl_->cfg)
    fail("Chip::run: program '{}' was prepared for another sim::Chip; prepare it on this one",
         prog.p_->exe->name);
  return run_prepared(*prog.p_, opts);
}

SimResult Chip::run_prepared(const PreparedExe& prog, const SimOptions& opts) {
  const isa::Executable& exe = *prog.exe;
  impl_->load_constants(exe);
  // A timing-only chip has no storage, so it runs timing-only whatever the options say;
  // a functional chip can also be asked for a timing-only run.
  const Mode mode = impl_->mode == Mode::TimingOnly || opts.mode == Mode::TimingOnly
                        ? Mode::TimingOnly
                        : Mode::Functional;
  return run_schedule(mode, impl_->memories(exe.cores.size()), prog, opts);
}

PreparedProgram::PreparedProgram() = default;
PreparedProgram::PreparedProgram(PreparedProgram&&) noexcept = default;
PreparedProgram& PreparedProgram::operator=(PreparedProgram&&) noexcept = default;
PreparedProgram::~PreparedProgram() = default;

const isa::Executable& PreparedProgram::executable() const { return *p_->exe; }

void PreparedProgram::refresh(uint32_t core, uint32_t stream, uint32_t pc) {
  const isa::Executable& exe = *p_->exe;
  if (core >= exe.cores.size() || stream >= exe.cores[core].streams.size() ||
      pc >= exe.cores[core].streams[stream].size())
    fail("PreparedProgram::refresh: core {} stream {} instruction {} does not exist", core, stream, pc);
  const auto& code = exe.cores[core].streams[stream];
  isa::validate_stream_instr(code, stream, *p_->chip, core, pc);
  for (PreparedStream& ps : p_->streams)
    if (ps.core == core && ps.stream == stream) {
      if (ps.code != code.data() || ps.size != code.size())
        fail("PreparedProgram::refresh: stream {} of core {} changed size; prepare the program again",
             isa::stream_name(stream), core);
      return prepare_instr(*p_->chip, ps, pc);
    }
}

void PreparedProgram::refresh_all() {
  isa::validate_executable(*p_->exe, *p_->chip);
  *p_ = prepare_executable(*p_->chip, *p_->exe);
}

}  // namespace npulab::sim
