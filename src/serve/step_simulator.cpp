#include "serve/step_simulator.h"

#include <algorithm>

#include "common/error.h"
#include "kernels/tile.h"

namespace npulab::serve {

using llm::compile::StepSpec;

// Timing-only programs are laid out on the chip with the largest HBM a hw file may give
// (arch/hw_ranges.cpp): a grid point's batch x context KV cache need not fit the real
// chip beside the weights, and the simulator's costs do not depend on addresses, so every
// layer keeps its own weights and cache (no aliasing, whose shared addresses would add
// false waits). What the deployment really holds is the engine's KV budget,
// npu_kv_memory(), from the real chip.
constexpr uint64_t kTimingHbmBytes = uint64_t(16) << 40;

StepSimulator::StepSimulator(const NpuDeployment& d) : d_(d), timing_chip_(d.chip) {
  timing_chip_.hbm.capacity_bytes = std::max(timing_chip_.hbm.capacity_bytes, kTimingHbmBytes);
  sim::ChipOptions co;
  co.helper_thread = false;  // table building runs one simulator per host thread already
  chip_ = std::make_unique<sim::Chip>(timing_chip_, sim::Mode::TimingOnly, co);
}

StepSimulator::~StepSimulator() = default;

const llm::compile::TpLayout& StepSimulator::layout(int64_t batch, int64_t context) {
  // The KV cache of the layout only needs the positions the program touches.
  const int64_t ctx = std::min(d_.max_context, (context + 1 + 127) / 128 * 128);
  auto& slot = layouts_[{batch, ctx}];
  if (!slot) {
    llm::compile::CompileOptions o = d_.compile_options(batch);
    o.max_context = ctx;
    slot = std::make_unique<llm::compile::TpLayout>(d_.model, timing_chip_, o);
  }
  return *slot;
}

double StepSimulator::simulate(const llm::compile::StepProgram& p) {
  sim::SimOptions so;
  so.mode = sim::Mode::TimingOnly;
  so.check_races = false;
  return chip_->run(p.exe, so).total_ns;
}

llm::compile::StepProgram StepSimulator::compile_decode(int64_t batch, int64_t context) {
  if (batch < 1 || context < 0 || context >= d_.max_context)
    fail("internal: decode step of {} sequences at context {} (max {})", batch, context, d_.max_context);
  StepSpec s;
  s.kind = StepSpec::Kind::Decode;
  s.tokens.assign(size_t(batch), d_.model.bos_id);
  s.pos0 = context;
  s.logits = d_.logits;  // an earlier pipeline stage ends at its last layer
  return llm::compile::compile_step(layout(batch, context), s);
}

llm::compile::StepProgram StepSimulator::compile_prefill(int64_t tokens, int64_t context, bool logits) {
  if (tokens < 1 || context < 0 || context + tokens > d_.max_context)
    fail("internal: prefill chunk of {} tokens after {} (max {})", tokens, context, d_.max_context);
  StepSpec s;
  s.kind = StepSpec::Kind::Prefill;
  s.tokens.assign(size_t(tokens), d_.model.bos_id);
  s.pos0 = context;
  s.logits = logits && d_.logits;
  return llm::compile::compile_step(layout(1, context + tokens - 1), s);
}

double StepSimulator::decode_ns(int64_t batch, int64_t context) { return simulate(compile_decode(batch, context)); }
double StepSimulator::prefill_ns(int64_t tokens, int64_t context, bool logits) {
  return simulate(compile_prefill(tokens, context, logits));
}

int64_t StepSimulator::prefill_chunk() {
  if (chunk_ > 0) return chunk_;
  int64_t c = std::min<int64_t>(d_.chip.tensor.cols, d_.max_context);
  while (true) {
    try {
      compile_prefill(c, 0, true);
      break;
    } catch (const kernels::OnChipMemoryFull& e) {
      if (e.space() != isa::Space::Sbuf || c <= 8) throw;
      c /= 2;
    }
  }
  return chunk_ = c;
}

}  // namespace npulab::serve
