#include "serve/pipeline_perf_model.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"

namespace npulab::serve {

PipelinePerfModel::PipelinePerfModel(std::unique_ptr<PerfModel> inner, std::unique_ptr<PerfModel> last,
                                     PipelinePlan plan)
    : inner_(std::move(inner)), last_(std::move(last)), plan_(std::move(plan)) {
  if (!inner_ || !last_) fail("pipeline model on '{}': a stage model is missing", plan_.system);
  if (plan_.stages < 2) fail("pipeline model on '{}': {} stages, expected at least 2", plan_.system, plan_.stages);
  if (plan_.micro_batches < 1)
    fail("--micro-batches {}: expected at least 1 micro-batch per step", plan_.micro_batches);
  if (!plan_.send) fail("pipeline model on '{}': no activation transfer timing", plan_.system);
  if (plan_.virtual_engines < 1)
    fail("--virtual-engines {}: expected at least 1 engine per pipeline", plan_.virtual_engines);
}

std::string PipelinePerfModel::describe() const {
  return fmt::format(
      "PP{} = {} stages of {} layers, {} virtual engine{}, up to {} micro-batch{} per step; stages 0-{}: {}; stage {}: {}",
      plan_.stages, plan_.stages, plan_.layers_per_stage, plan_.virtual_engines, plan_.virtual_engines == 1 ? "" : "s",
      plan_.micro_batches, plan_.micro_batches == 1 ? "" : "es", plan_.stages - 2, inner_->describe(),
      plan_.stages - 1, last_->describe());
}

KvMemory PipelinePerfModel::memory() const {
  const KvMemory a = inner_->memory(), b = last_->memory();
  if (a.bytes_per_token <= 0 || b.bytes_per_token <= 0)
    fail("pipeline model on '{}': a stage caches nothing", plan_.system);
  const int64_t positions = std::min(a.capacity_bytes / a.bytes_per_token, b.capacity_bytes / b.bytes_per_token);
  KvMemory m;
  m.bytes_per_token = (plan_.stages - 1) * a.bytes_per_token + b.bytes_per_token;
  m.capacity_bytes = positions * m.bytes_per_token;
  m.max_context = std::min(a.max_context, b.max_context);
  return m;
}

double PipelinePerfModel::send_ns(int64_t from, uint64_t bytes) {
  const auto key = std::make_pair(from, bytes);
  auto it = memo_.find(key);
  if (it == memo_.end()) it = memo_.emplace(key, plan_.send(from, bytes)).first;
  return it->second;
}

double PipelinePerfModel::place(std::span<const SeqStep> step, double start_ns, std::vector<double>& done) {
  const int64_t S = plan_.stages, n = int64_t(step.size());
  const int64_t M = std::max<int64_t>(1, std::min(plan_.micro_batches, n));
  double comm = 0;
  for (int64_t m = 0; m < M; ++m) {
    // Micro-batch m: sequences [m n / M, (m + 1) n / M).
    const std::span<const SeqStep> mb = step.subspan(size_t(m * n / M), size_t((m + 1) * n / M - m * n / M));
    int64_t tokens = 0;
    for (const SeqStep& s : mb) tokens += s.new_tokens;
    const double c0 = inner_->comm_ns_total(), l0 = last_->comm_ns_total();
    const double t_inner = inner_->step_ns(mb), t_last = last_->step_ns(mb);
    comm += double(S - 1) * (inner_->comm_ns_total() - c0) + (last_->comm_ns_total() - l0);
    double arrive = start_ns;  // when micro-batch m's input is at stage s
    for (int64_t s = 0; s < S; ++s) {
      if (s > 0) {
        const double send = send_ns(s - 1, uint64_t(std::max<int64_t>(1, tokens)) * uint64_t(plan_.dim) *
                                               plan_.activation_bytes);
        arrive = done[size_t(s - 1)] + send;
        comm += send;
      }
      done[size_t(s)] = std::max(arrive, done[size_t(s)]) + (s == S - 1 ? t_last : t_inner);
    }
  }
  comm_total_ += comm / double(S);
  return done[size_t(S - 1)];
}

double PipelinePerfModel::step_ns(std::span<const SeqStep> step) {
  std::vector<double> free(size_t(plan_.stages), 0.0);
  return place(step, 0, free);
}

double PipelinePerfModel::step_ns_at(double start_ns, int64_t pipeline, std::span<const SeqStep> step) {
  std::vector<double>& free = free_[pipeline];
  if (free.empty()) free.assign(size_t(plan_.stages), 0.0);
  return place(step, start_ns, free) - start_ns;
}

}  // namespace npulab::serve
