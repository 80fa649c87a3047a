#include "serve/engine.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <numeric>

#include "common/error.h"

namespace npulab::serve {

namespace {

// The clients: who may send next, and when (a slot freed by a finished request).
class Clients {
 public:
  Clients(std::span<const Request> reqs, int64_t max_concurrency) : reqs_(reqs), limit_(max_concurrency) {
    order_.resize(reqs.size());
    std::iota(order_.begin(), order_.end(), size_t(0));
    std::stable_sort(order_.begin(), order_.end(),
                     [&](size_t a, size_t b) { return reqs[a].arrival_s < reqs[b].arrival_s; });
    if (limit_ > 0) free_since_.assign(size_t(limit_), 0.0);
  }
  bool done() const { return next_ == order_.size(); }
  // When the next request would be sent (+inf when it waits for a slot).
  double next_send_s() const {
    if (done()) return INFINITY;
    const double a = reqs_[order_[next_]].arrival_s;
    if (limit_ == 0) return a;
    return free_since_.empty() ? INFINITY : std::max(a, free_since_.front());
  }
  // Send the next request (its send time is next_send_s()).
  size_t send(double& send_s) {
    send_s = next_send_s();
    if (limit_ > 0) free_since_.pop_front();
    return order_[next_++];
  }
  void finished(double at_s) {
    if (limit_ > 0) free_since_.push_back(at_s);
  }

 private:
  std::span<const Request> reqs_;
  int64_t limit_;
  std::vector<size_t> order_;
  size_t next_ = 0;
  std::deque<double> free_since_;  // a free slot per entry, since when (nondecreasing)
};

}  // namespace

EngineRun run_engine(const EngineOptions& opt, StepBackend& backend, std::span<const Request> requests,
                     const EngineProgress& progress) {
  if (opt.max_concurrency < 0) fail("--concurrency {}: expected at least 1", opt.max_concurrency);
  Scheduler sched(opt.scheduler);
  EngineRun run;
  run.kv_blocks = opt.scheduler.num_blocks;
  run.block_size = opt.scheduler.block_size;
  run.seqs.resize(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) run.seqs[i].req = &requests[i];
  Clients clients(requests, opt.max_concurrency);
  const int64_t total = int64_t(requests.size());
  int64_t ended = 0, in_flight = 0;
  double now = 0;
  auto end = [&](Sequence& s) {
    backend.release(s);
    clients.finished(s.finish_s);
    --in_flight;
    ++ended;
    run.end_s = std::max(run.end_s, s.finish_s);
  };
  std::vector<double> prev_token_s;
  while (ended < total) {
    // Send every request whose time has come; reject those that can never be served.
    while (clients.next_send_s() <= now) {
      double send_s = 0;
      Sequence& s = run.seqs[clients.send(send_s)];
      s.send_s = send_s;
      ++in_flight;
      run.max_in_flight = std::max(run.max_in_flight, in_flight);
      if (const std::string why = sched.rejection(*s.req); !why.empty()) {
        s.state = SeqState::Failed;
        s.reason = FinishReason::Rejected;
        s.error = why;
        s.finish_s = send_s;
        end(s);
        continue;
      }
      sched.add(&s);
    }
    if (sched.idle()) {
      const double t = clients.next_send_s();
      if (!std::isfinite(t)) {
        if (ended < total) fail("internal: {} requests left but none can be sent", total - ended);
        break;
      }
      now = std::max(now, t);
      continue;
    }
    StepPlan plan = sched.schedule();
    if (plan.empty()) {
      // Only after preempting everything; an idle engine always admits the head (rejection()
      // checked it fits the whole cache), so a second empty plan would be a scheduler bug.
      if (plan.preempted.empty()) {
        if (Sequence* s = sched.fail_stuck("the scheduler could not place it on an idle engine (internal)")) {
          s->finish_s = now;
          end(*s);
        }
      }
      continue;
    }
    const StepResult res = backend.run(plan.seqs);
    if (!(res.ns > 0) || !std::isfinite(res.ns)) fail("internal: a step of {} tokens took {} ns", plan.num_tokens, res.ns);
    StepRecord rec;
    rec.start_s = now;
    rec.dur_s = res.ns * 1e-9;
    prev_token_s.clear();
    for (const SeqStep& st : plan.seqs) {
      rec.prefill_tokens += st.new_tokens > 1 || st.seq->num_output == 0 ? st.new_tokens : 0;
      rec.prefill_seqs += st.new_tokens > 1 || st.seq->num_output == 0;
      if (st.samples) {
        ++rec.sampled;
        prev_token_s.push_back(st.seq->last_token_s);
      }
    }
    rec.seqs = int32_t(plan.seqs.size());
    rec.tokens = plan.num_tokens;
    rec.preempted = int32_t(plan.preempted.size());
    now += rec.dur_s;
    const std::vector<Sequence*> done = sched.update(plan, res.tokens, now);
    for (double t : prev_token_s)
      if (t >= 0) run.itl_s.push_back(float(now - t));
    for (Sequence* s : done) end(*s);
    rec.kv_blocks_used = sched.kv().num_used();
    rec.running = int32_t(sched.num_running());
    rec.waiting = int32_t(sched.num_waiting());
    run.steps.push_back(rec);
    if (progress && (!done.empty() || run.steps.size() % 256 == 0)) progress(ended, total, now);
  }
  run.prefix = sched.kv().prefix_stats();
  run.preemptions = sched.preemptions();
  if (sched.kv().num_used() != 0)
    fail("internal: {} KV blocks still referenced after every request ended", sched.kv().num_used());
  if (progress) progress(ended, total, now);
  return run;
}

}  // namespace npulab::serve
