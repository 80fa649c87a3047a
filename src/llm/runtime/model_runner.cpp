#include "llm/runtime/model_runner.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "common/error.h"
#include "kernels/tile.h"
#include "llm/compile/resident_weights.h"
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
  tp_layout_ = std::make_unique<compile::TpLayout>(cfg, chip, opt_.compile);
  chip_ = std::make_unique<sim::Chip>(chip, opt_.mode, opt_.chip);
  pos_.assign(size_t(opt_.compile.batch), 0);
  prefill_chunk_ = int64_t(chip.tensor.cols);
  if (opt_.mode == sim::Mode::Functional) {
    const double t0 = now_s();
    compile::write_weights(*tp_layout_, *weights, chip_->hbm());
    if (opt_.decode_key_bucket > 0) {
      // Bucketed decode loads not-yet-written cache rows (masked out of the softmax, but
      // 0 * NaN would still poison P V): start from zeros instead of the 0xFF fill.
      const std::vector<uint8_t> zeros(1 << 20, 0);
      for (int64_t r = 0; r < tp_layout_->ranks(); ++r)
        for (int64_t l = 0; l < cfg.n_layers; ++l) {
          const compile::ModelLayout& L = tp_layout_->rank(r);
          for (int slot : {L.kcache(l), L.vcache(l)}) {
            const auto& sl = L.slot(slot);
            for (uint64_t o = 0; o < sl.bytes(); o += zeros.size())
              chip_->hbm().write(sl.offset + o, zeros.data(), std::min<uint64_t>(zeros.size(), sl.bytes() - o));
          }
        }
    }
    weight_write_s_ = now_s() - t0;
  }
  preload_weights();  // timing-only too: its simulated time is reported
}

void ModelRunner::preload_weights() {
  if (!tp_layout_->resident_weights()) return;
  const double t0 = now_s();
  const isa::Executable exe = compile::compile_preload(*tp_layout_);
  const sim::SimOptions so = sim_options(exe);
  const sim::SimResult r = chip_->run(exe, so);
  if (!r.races.empty()) fail("race detector: {} (program '{}')", r.races.front().message, exe.name);
  preload_sim_ns_ = r.total_ns;
  preload_host_s_ = now_s() - t0;
}

// The runner's own budget against runaway programs: a program it compiles holds the layers
// in (at most) one register loop, so each instruction runs at most once per layer; more
// than that is a compiler bug, stopped with the simulator's "runaway loop" error.
sim::SimOptions ModelRunner::sim_options(const isa::Executable& exe) const {
  sim::SimOptions so;
  so.mode = opt_.mode;
  so.check_races = opt_.check_races;
  so.max_instructions = std::max<uint64_t>(exe.num_instrs(), 1) * uint64_t(std::max<int64_t>(cfg_.n_layers, 1));
  so.max_sim_ns = sim::kDefaultMaxSimNs;
  return so;
}

ModelRunner::~ModelRunner() {
  cached_prepared_.reset();  // a prepared program must not outlive its Chip (chip_ is declared later)
  prefill_prepared_.reset();
}

void ModelRunner::reset() {
  // The cached bucket program stays: the next sequence reuses it from its compile position
  // on (decode()); the KV rows it may still see past the position are masked, as always.
  std::fill(pos_.begin(), pos_.end(), 0);
}

void ModelRunner::set_position(int64_t slot, int64_t pos) {
  if (functional()) fail("set_position is only meaningful in timing-only mode");
  if (slot < 0 || slot >= int64_t(pos_.size()) || pos < 0 || pos >= layout().max_context())
    fail("set_position: slot {} / position {} out of range", slot, pos);
  pos_[size_t(slot)] = pos;
}

std::vector<float> ModelRunner::run(const compile::StepSpec& spec) {
  StepRecord rec{spec.kind, spec.pos0, uint32_t(spec.tokens.size())};
  const double t0 = now_s();
  compile::StepProgram prog = compile::compile_step(*tp_layout_, spec);
  rec.compile_host_s = now_s() - t0;
  return execute(prog, rec);
}

std::vector<float> ModelRunner::run_prefill(const compile::StepSpec& s) {
  StepRecord rec{s.kind, s.pos0, uint32_t(s.tokens.size())};
  const double t0 = now_s();
  const compile::StepSpec& c = prefill_spec_;
  if (prefill_prog_ && c.tokens.size() == s.tokens.size() && c.pos0 == s.pos0 && c.slot == s.slot &&
      c.logits == s.logits) {
    for (const auto& pi : compile::patch_step_tokens(layout(), *prefill_prog_, s.pos0, c.tokens, s.tokens))
      prefill_prepared_->refresh(pi.core, pi.stream, pi.pc);
    rec.patched = true;
  } else {
    prefill_prepared_.reset();  // refers to the program it replaces
    prefill_prog_.reset();      // (both stay empty if building fails, e.g. SBUF full)
    prefill_prog_ = std::make_unique<compile::StepProgram>(compile::compile_step(*tp_layout_, s));
    prefill_prepared_.emplace(chip_->prepare(prefill_prog_->exe));
  }
  prefill_spec_ = s;
  rec.compile_host_s = now_s() - t0;
  return execute(*prefill_prog_, rec, &*prefill_prepared_);
}

std::vector<float> ModelRunner::execute(compile::StepProgram& prog, StepRecord rec,
                                        const sim::PreparedProgram* prepared) {
  const sim::SimOptions so = sim_options(prog.exe);
  const double t1 = now_s();
  sim::SimResult r = prepared ? chip_->run(*prepared, so) : chip_->run(prog.exe, so);
  rec.sim_host_s = now_s() - t1;
  rec.sim_ns = r.total_ns;
  rec.instrs = r.instrs;
  rec.program_instrs = prog.exe.num_instrs();
  rec.hbm_bytes = r.hbm_bytes_read + r.hbm_bytes_written;
  rec.races = r.races.size();
  for (size_t c = 0; c < r.comm_ns.size(); ++c) {
    rec.comm_ns += r.comm_ns[c] / double(r.comm_ns.size());
    rec.comm_overlap_ns += r.comm_overlap_ns[c] / double(r.comm_ns.size());
  }
  steps_.push_back(rec);
  if (!r.races.empty()) fail("race detector: {} (program '{}')", r.races.front().message, prog.exe.name);
  std::vector<float> logits;
  if (functional() && prog.logits_rows) {
    logits.resize(size_t(prog.logits_rows) * size_t(cfg_.vocab_size));
    chip_->hbm().read(prog.logits_offset, logits.data(), logits.size() * sizeof(float));
  }
  return logits;
}

void ModelRunner::rewind(int64_t slot, int64_t pos) {
  if (slot < 0 || slot >= int64_t(pos_.size()) || pos < 0 || pos > pos_[size_t(slot)])
    fail("rewind: slot {} to position {} (it holds {})", slot, pos,
         slot >= 0 && slot < int64_t(pos_.size()) ? pos_[size_t(slot)] : -1);
  pos_[size_t(slot)] = pos;
}

std::vector<float> ModelRunner::prefill(const std::vector<int64_t>& tokens, int64_t slot, bool logits_wanted) {
  if (tokens.empty()) fail("prefill: empty prompt");
  if (slot < 0 || slot >= int64_t(pos_.size())) fail("prefill: KV slot {} outside batch {}", slot, pos_.size());
  const int64_t start = pos_[size_t(slot)];
  if (start + int64_t(tokens.size()) > layout().max_context())
    fail("prompt of {} tokens (after {} already in the cache) exceeds the context length {} of model '{}'",
         tokens.size(), start, layout().max_context(), cfg_.name);
  std::vector<float> logits;
  for (size_t i = 0; i < tokens.size();) {
    const size_t n = std::min<size_t>(size_t(prefill_chunk_), tokens.size() - i);
    compile::StepSpec s;
    s.kind = compile::StepSpec::Kind::Prefill;
    s.tokens.assign(tokens.begin() + long(i), tokens.begin() + long(i + n));
    s.pos0 = start + int64_t(i);
    s.slot = slot;
    s.logits = logits_wanted && i + n >= tokens.size();
    try {
      logits = run_prefill(s);
    } catch (const kernels::OnChipMemoryFull& e) {
      // Wide models do not fit 128 tokens' activations in SBUF: halve the chunk and retry
      // (the program failed while being built, before anything ran). PSUM does not grow
      // with the chunk, so a full PSUM is a real error.
      if (e.space() != isa::Space::Sbuf) throw;
      if (prefill_chunk_ <= 8)
        fail("model '{}' (dim {}) is too wide for the single-core SBUF plan even with {}-token prefill chunks: {}",
             cfg_.name, cfg_.dim, prefill_chunk_, e.what());
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
  if (pos_[0] >= layout().max_context())
    fail("generation reached the context length {} of model '{}'", layout().max_context(), cfg_.name);
  const int64_t pos = pos_[0];
  std::vector<float> logits;
  const int64_t kb = decode_bucket();
  // A bucket program serves the positions from the one it was compiled for to the bucket's
  // end (its KV appends are ordered over that extent), in any order: after reset() too.
  if (kb > 0 && cached_decode_ && pos >= cached_base_ && pos < cached_decode_->bucket_end) {
    StepRecord rec{compile::StepSpec::Kind::Decode, pos, uint32_t(tokens.size())};
    const double t0 = now_s();
    for (const auto& pi : compile::patch_decode_step(layout(), *cached_decode_, cached_pos_, cached_tokens_, pos, tokens))
      cached_prepared_->refresh(pi.core, pi.stream, pi.pc);
    rec.compile_host_s = now_s() - t0;
    rec.patched = true;
    cached_pos_ = pos;
    cached_tokens_ = tokens;
    logits = execute(*cached_decode_, rec, &*cached_prepared_);
  } else {
    compile::StepSpec s;
    s.kind = compile::StepSpec::Kind::Decode;
    s.tokens = tokens;
    s.pos0 = pos;
    s.key_bucket = kb;
    if (kb > 0) {
      StepRecord rec{s.kind, pos, uint32_t(tokens.size())};
      const double t0 = now_s();
      cached_prepared_.reset();  // refers to the program it replaces
      cached_decode_ = std::make_unique<compile::StepProgram>(compile::compile_step(*tp_layout_, s));
      rec.compile_host_s = now_s() - t0;
      cached_pos_ = cached_base_ = pos;
      cached_tokens_ = tokens;
      const double t1 = now_s();
      cached_prepared_.emplace(chip_->prepare(cached_decode_->exe));
      rec.compile_host_s += now_s() - t1;  // validation + preparation, once per bucket
      logits = execute(*cached_decode_, rec, &*cached_prepared_);
    } else {
      logits = run(s);
    }
  }
  for (auto& p : pos_) ++p;
  return logits;
}

}  // namespace npulab::llm::runtime
