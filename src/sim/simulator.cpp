// sim::Chip: owns the chip's memories (lazily backed HBM shared by all cores, per-core
// SBUF/PSUM created on first use in functional mode, none in timing-only mode) and runs
// executables through the scheduler (sim/scheduler/event_loop.h). No global state: any
// number of Chips can live in one process.
#include "sim/simulator.h"

#include "common/error.h"
#include "isa/validate.h"
#include "sim/scheduler/event_loop.h"

namespace npulab::sim {

struct Chip::Impl {
  arch::ChipConfig cfg;
  Mode mode;
  Hbm hbm;
  std::vector<std::unique_ptr<Scratchpad>> sbuf, psum;

  Impl(const arch::ChipConfig& c, Mode m)
      : cfg(c), mode(m), hbm(c.hbm.capacity_bytes, m == Mode::Functional),
        sbuf(c.cores_per_chip), psum(c.cores_per_chip) {}

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

Chip::Chip(const arch::ChipConfig& cfg, Mode mode) : impl_(std::make_unique<Impl>(cfg, mode)) {}
Chip::~Chip() = default;

const arch::ChipConfig& Chip::config() const { return impl_->cfg; }
Mode Chip::mode() const { return impl_->mode; }
Hbm& Chip::hbm() { return impl_->hbm; }

SimResult Chip::run(const isa::Executable& exe, const SimOptions& opts) {
  if (exe.cores.size() > impl_->cfg.cores_per_chip)
    fail("executable '{}' uses {} cores but chip '{}' has {}", exe.name, exe.cores.size(),
         impl_->cfg.name, impl_->cfg.cores_per_chip);
  isa::validate_executable(exe, impl_->cfg);
  impl_->load_constants(exe);
  // A timing-only chip has no storage, so it runs timing-only whatever the options say;
  // a functional chip can also be asked for a timing-only run.
  const Mode mode = impl_->mode == Mode::TimingOnly || opts.mode == Mode::TimingOnly
                        ? Mode::TimingOnly
                        : Mode::Functional;
  return run_schedule(impl_->cfg, mode, impl_->memories(exe.cores.size()), exe, opts);
}

}  // namespace npulab::sim
