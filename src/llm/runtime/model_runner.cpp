#include "llm/runtime/model_runner.h"

#include <algorithm>
#include <chrono>
#include <string_view>

#include "common/error.h"
#include "llm/compile/weight_writer.h"

namespace npulab::llm::runtime {

namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

ModelRunner::ModelRunner(const ModelConfig& cfg, const Weights* weights, const arch::ChipConfig& chip,
                         RunnerOptions opt)
    : cfg_(cfg), opt_(opt) {
  if (opt_.mode == sim::Mode::Functional && !weights)
    fail("model '{}' has no weights: functional runs need a checkpoint (use --timing-only for built-in configs)",
         cfg.name);
  if (opt_.mode == sim::Mode::Functional && opt_.compile.ignore_capacity)
    fail("--ignore-capacity is only allowed with --timing-only");
  layout_ = std::make_unique<compile::ModelLayout>(cfg, chip, opt_.compile);
  chip_ = std::make_unique<sim::Chip>(chip, opt_.mode);
  pos_.assign(size_t(opt_.compile.batch), 0);
  prefill_chunk_ = int64_t(chip.tensor.cols);
  if (opt_.mode == sim::Mode::Functional) {
    const double t0 = now_s();
    compile::write_weights(*layout_, *weights, chip_->hbm());
    weight_write_s_ = now_s() - t0;
  }
}

ModelRunner::~ModelRunner() = default;

void ModelRunner::reset() { std::fill(pos_.begin(), pos_.end(), 0); }

void ModelRunner::set_position(int64_t slot, int64_t pos) {
  if (functional()) fail("set_position is only meaningful in timing-only mode");
  if (slot < 0 || slot >= int64_t(pos_.size()) || pos < 0 || pos >= layout_->max_context())
    fail("set_position: slot {} / position {} out of range", slot, pos);
  pos_[size_t(slot)] = pos;
}

std::vector<float> ModelRunner::run(const compile::StepSpec& spec) {
  StepRecord rec{spec.kind, spec.pos0, uint32_t(spec.tokens.size())};
  const double t0 = now_s();
  compile::StepProgram prog = compile::compile_step(*layout_, spec);
  const double t1 = now_s();
  sim::SimOptions so;
  so.mode = opt_.mode;
  so.check_races = opt_.check_races;
  sim::SimResult r = chip_->run(prog.exe, so);
  const double t2 = now_s();
  rec.sim_ns = r.total_ns;
  rec.compile_host_s = t1 - t0;
  rec.sim_host_s = t2 - t1;
  rec.instrs = r.instrs;
  rec.hbm_bytes = r.hbm_bytes_read + r.hbm_bytes_written;
  rec.races = r.races.size();
  steps_.push_back(rec);
  if (!r.races.empty()) fail("race detector: {} (program '{}')", r.races.front().message, prog.exe.name);
  std::vector<float> logits;
  if (functional() && prog.logits_rows) {
    logits.resize(size_t(prog.logits_rows) * size_t(cfg_.vocab_size));
    chip_->hbm().read(prog.logits_offset, logits.data(), logits.size() * sizeof(float));
  }
  return logits;
}

std::vector<float> ModelRunner::prefill(const std::vector<int64_t>& tokens, int64_t slot) {
  if (tokens.empty()) fail("prefill: empty prompt");
  if (slot < 0 || slot >= int64_t(pos_.size())) fail("prefill: KV slot {} outside batch {}", slot, pos_.size());
  const int64_t start = pos_[size_t(slot)];
  if (start + int64_t(tokens.size()) > layout_->max_context())
    fail("prompt of {} tokens (after {} already in the cache) exceeds the context length {} of model '{}'",
         tokens.size(), start, layout_->max_context(), cfg_.name);
  std::vector<float> logits;
  for (size_t i = 0; i < tokens.size();) {
    const size_t n = std::min<size_t>(size_t(prefill_chunk_), tokens.size() - i);
    compile::StepSpec s;
    s.kind = compile::StepSpec::Kind::Prefill;
    s.tokens.assign(tokens.begin() + long(i), tokens.begin() + long(i + n));
    s.pos0 = start + int64_t(i);
    s.slot = slot;
    s.logits = i + n >= tokens.size();
    try {
      logits = run(s);
    } catch (const Error& e) {
      // Wide models do not fit 128 tokens' activations in SBUF: halve the chunk and retry
      // (the program failed while being built, before anything ran).
      if (std::string_view(e.what()).find("sbuf full") == std::string_view::npos || prefill_chunk_ <= 8) throw;
      prefill_chunk_ /= 2;
      continue;
    }
    i += n;
  }
  pos_[size_t(slot)] = start + int64_t(tokens.size());
  return logits;
}

std::vector<float> ModelRunner::decode(const std::vector<int64_t>& tokens) {
  if (tokens.size() != pos_.size())
    fail("decode: {} tokens for a batch of {}", tokens.size(), pos_.size());
  for (int64_t p : pos_)
    if (p != pos_[0]) fail("decode: all sequences of a batch must be at the same position");
  if (pos_[0] >= layout_->max_context())
    fail("generation reached the context length {} of model '{}'", layout_->max_context(), cfg_.name);
  compile::StepSpec s;
  s.kind = compile::StepSpec::Kind::Decode;
  s.tokens = tokens;
  s.pos0 = pos_[0];
  std::vector<float> logits = run(s);
  for (auto& p : pos_) ++p;
  return logits;
}

}  // namespace npulab::llm::runtime
