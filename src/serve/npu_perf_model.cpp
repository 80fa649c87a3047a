#include "serve/npu_perf_model.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "llm/compile/tp_layout.h"

namespace npulab::serve {

NpuPerfModel::NpuPerfModel(NpuDeployment d, PerfTable t) : d_(std::move(d)), t_(std::move(t)) {}

KvMemory npu_kv_memory(const NpuDeployment& d) {
  llm::compile::CompileOptions o = d.compile_options(1);
  o.resident_weights = false;  // placement only
  const llm::compile::TpLayout L(d.model, d.chip, o);
  const uint64_t kvsz = dtype_size(L.rank(0).kv_dtype());
  // Everything but the KV caches: the shared slots and each rank's weights and tables (the
  // ranks lie one after another, each ending with its KV cache).
  const uint64_t fixed = L.rank(L.ranks() - 1).end_offset() - L.kv_bytes();
  // Each rank's largest step's own HBM tensors: token staging [T, dim] and FP32 logits [T, vocab].
  const uint64_t T = d.chip.tensor.cols;
  const uint64_t logits_bytes = d.logits ? T * uint64_t(d.model.vocab_size) * 4 : 0;
  const uint64_t step_bytes =
      uint64_t(L.ranks()) * (T * uint64_t(d.model.dim) * kvsz + logits_bytes + 2 * llm::compile::kHbmAlign);
  KvMemory m;
  // K and V of one position over all layers and every rank (replicated kv heads once per replica).
  for (int64_t r = 0; r < L.ranks(); ++r)
    m.bytes_per_token += int64_t(2 * uint64_t(d.model.n_layers) * uint64_t(L.rank(r).config().kv_dim()) * kvsz);
  m.max_context = d.max_context;
  const uint64_t cap = d.chip.hbm.capacity_bytes;
  if (fixed + step_bytes >= cap)
    fail("model '{}' in {} takes {:.2f} GiB of chip '{}''s {:.2f} GiB HBM before any KV cache", d.model.name,
         dtype_name(d.weight_dtype), (fixed + step_bytes) / 1073741824.0, d.chip.name, cap / 1073741824.0);
  m.capacity_bytes = int64_t(cap - fixed - step_bytes);
  return m;
}

KvMemory NpuPerfModel::memory() const { return npu_kv_memory(d_); }

void NpuPerfModel::for_each_program(std::span<const SeqStep> step, const ProgramVisitor& visit) const {
  const int64_t B = d_.max_batch, chunk = t_.prefill_chunk;
  int64_t nd = 0;
  double ctx_sum = 0;
  auto flush_decode = [&] {
    if (nd) visit(StepProgramShape{true, nd, ctx_sum / double(nd), d_.logits});
    nd = 0;
    ctx_sum = 0;
  };
  for (const SeqStep& s : step) {
    if (s.new_tokens == 1) {
      ++nd;
      ctx_sum += double(s.context);
      if (nd == B) flush_decode();
      continue;
    }
    for (int64_t done = 0; done < s.new_tokens;) {
      const int64_t n = std::min(chunk, s.new_tokens - done);
      const bool last = done + n == s.new_tokens;
      visit(StepProgramShape{false, n, double(s.context + done), last && s.samples && d_.logits});
      done += n;
    }
  }
  flush_decode();
}

double NpuPerfModel::program_ns(const StepProgramShape& p) const {
  return p.decode ? t_.decode_ns(double(p.tokens), p.context) : t_.prefill_ns(double(p.tokens), p.context, p.logits);
}

double NpuPerfModel::step_ns(std::span<const SeqStep> step) {
  double ns = 0;
  for_each_program(step, [&](const StepProgramShape& p) { ns += program_ns(p); });
  return ns;
}

}  // namespace npulab::serve
