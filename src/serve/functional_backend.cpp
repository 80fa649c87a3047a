#include "serve/functional_backend.h"

#include "common/error.h"

namespace npulab::serve {

namespace {

llm::runtime::RunnerOptions runner_options(const FunctionalOptions& o) {
  if (o.slots < 1) fail("functional serving: {} KV slots, expected at least 1", o.slots);
  llm::runtime::RunnerOptions r;
  r.compile.weight_dtype = o.weight_dtype;
  r.compile.batch = o.slots;
  r.compile.max_context = o.max_context;
  r.mode = sim::Mode::Functional;
  r.chip = o.chip;
  return r;
}

}  // namespace

FunctionalBackend::FunctionalBackend(const llm::ModelConfig& cfg, const llm::Weights& weights,
                                     const arch::ChipConfig& chip, const FunctionalOptions& o)
    : opt_(o), runner_(cfg, &weights, chip, runner_options(o)), holder_(size_t(o.slots), nullptr) {}

KvMemory FunctionalBackend::memory() const {
  const auto& L = runner_.layout();
  KvMemory m;
  m.bytes_per_token =
      int64_t(2 * uint64_t(L.config().n_layers) * uint64_t(L.config().kv_dim()) * dtype_size(L.kv_dtype()));
  m.max_context = L.max_context();
  m.capacity_bytes = m.bytes_per_token * m.max_context * slots();
  return m;
}

int64_t FunctionalBackend::slot_for(const SeqStep& s) {
  Held& h = held_[s.seq];
  if (h.slot < 0) {
    // A free slot, else one held by a preempted sequence (waiting to be recomputed: it takes
    // a slot again when it comes back, from position 0).
    for (size_t i = 0; i < holder_.size() && h.slot < 0; ++i)
      if (!holder_[i]) h.slot = int64_t(i);
    for (size_t i = 0; i < holder_.size() && h.slot < 0; ++i)
      if (holder_[i]->state != SeqState::Running) {
        held_[holder_[i]].slot = -1;
        h.slot = int64_t(i);
      }
    if (h.slot < 0) fail("internal: functional serving has {} KV slots, all held by running sequences", slots());
    holder_[size_t(h.slot)] = s.seq;
    runner_.rewind(h.slot, 0);
  }
  if (!h.sampler) {
    llm::reference::SamplingParams p = opt_.sampling;
    p.seed = s.seq->req->seed;
    h.sampler = std::make_unique<llm::reference::Sampler>(p);
  }
  const int64_t pos = runner_.position(h.slot);
  if (s.context < pos) runner_.rewind(h.slot, s.context);  // recompute after preemption
  else if (s.context > pos)
    fail("internal: request {} resumes at position {} but its KV slot holds {} (prefix caching needs a paged "
         "KV cache in the step programs; functional serving runs without it)",
         s.seq->req->id, s.context, pos);
  return h.slot;
}

StepResult FunctionalBackend::run(std::span<const SeqStep> step) {
  StepResult r;
  const size_t first = runner_.steps().size();
  std::vector<int64_t> ids;
  const int64_t vocab = runner_.layout().config().vocab_size;
  for (const SeqStep& s : step) {
    const int64_t slot = slot_for(s);
    ids.clear();
    for (int64_t i = s.context; i < s.context + s.new_tokens; ++i) ids.push_back(s.seq->token(i));
    const std::vector<float> logits = runner_.prefill(ids, slot, s.samples);
    if (!s.samples) continue;
    if (int64_t(logits.size()) < vocab) fail("internal: step of request {} returned no logits", s.seq->req->id);
    r.tokens.push_back(int32_t(held_[s.seq].sampler->sample(std::span<const float>(logits.data(), size_t(vocab)))));
  }
  for (size_t i = first; i < runner_.steps().size(); ++i) r.ns += runner_.steps()[i].sim_ns;
  return r;
}

void FunctionalBackend::release(const Sequence& s) {
  const auto it = held_.find(&s);
  if (it == held_.end()) return;
  if (it->second.slot >= 0) holder_[size_t(it->second.slot)] = nullptr;
  held_.erase(it);
}

}  // namespace npulab::serve
