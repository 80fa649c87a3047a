#include "serve/step_simulator.h"

#include <algorithm>

#include "common/error.h"
#include "kernels/tile.h"

namespace npulab::serve {

using llm::compile::StepSpec;

StepSimulator::StepSimulator(const NpuDeployment& d) : d_(d) {
  sim::ChipOptions co;
  co.helper_thread = false;  // table building runs one simulator per host thread already
  chip_ = std::make_unique<sim::Chip>(d_.chip, sim::Mode::TimingOnly, co);
}

StepSimulator::~StepSimulator() = default;

const llm::compile::ModelLayout& StepSimulator::layout(int64_t batch, int64_t context) {
  // The KV cache of the layout only needs the positions the program touches; its size does
  // not change the program's time (the simulator's costs do not depend on addresses), but a
  // cache of batch x max_context may not fit HBM.
  const int64_t ctx = std::min(d_.max_context, (context + 1 + 127) / 128 * 128);
  auto& slot = layouts_[{batch, ctx}];
  if (!slot) {
    llm::compile::CompileOptions o = d_.compile_options(batch);
    o.max_context = ctx;
    try {
      slot = std::make_unique<llm::compile::ModelLayout>(d_.model, d_.chip, o);
    } catch (const Error&) {
      o.ignore_capacity = true;  // timing only: layers share addresses (docs/LLM.md, --ignore-capacity)
      slot = std::make_unique<llm::compile::ModelLayout>(d_.model, d_.chip, o);
    }
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
  return llm::compile::compile_step(layout(batch, context), s);
}

llm::compile::StepProgram StepSimulator::compile_prefill(int64_t tokens, int64_t context, bool logits) {
  if (tokens < 1 || context < 0 || context + tokens > d_.max_context)
    fail("internal: prefill chunk of {} tokens after {} (max {})", tokens, context, d_.max_context);
  StepSpec s;
  s.kind = StepSpec::Kind::Prefill;
  s.tokens.assign(size_t(tokens), d_.model.bos_id);
  s.pos0 = context;
  s.logits = logits;
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
