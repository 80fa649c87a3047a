#include "serve/engine.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>
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

// One data-parallel replica: its scheduler and backend, the requests routed to it while a
// step ran (they join its scheduler when the step ends, as a single engine takes arrivals
// between steps), and the step in flight.
struct Replica {
  Replica(const SchedulerConfig& c, StepBackend& b) : sched(c), backend(b) {}
  Scheduler sched;
  StepBackend& backend;
  std::vector<Sequence*> arrived;
  int64_t outstanding = 0;  // routed here and not yet ended (the router's count)
  bool busy = false;
  double start_s = 0, end_s = 0;
  StepPlan plan;
  StepResult res;
};

}  // namespace

EngineRun run_engine(const EngineOptions& opt, StepBackend& backend, std::span<const Request> requests,
                     const EngineProgress& progress) {
  StepBackend* one[] = {&backend};
  return run_engine(opt, one, requests, progress);
}

EngineRun run_engine(const EngineOptions& opt, std::span<StepBackend* const> backends,
                     std::span<const Request> requests, const EngineProgress& progress) {
  if (opt.max_concurrency < 0) fail("--concurrency {}: expected at least 1", opt.max_concurrency);
  if (backends.empty()) fail("internal: an engine of no replicas");
  std::vector<std::unique_ptr<Replica>> reps;
  for (StepBackend* b : backends) reps.push_back(std::make_unique<Replica>(opt.scheduler, *b));
  std::vector<int64_t> outstanding(reps.size(), 0);
  Router router(opt.routing, reps.size());
  EngineRun run;
  run.kv_blocks = opt.scheduler.num_blocks;
  run.block_size = opt.scheduler.block_size;
  run.replicas = int64_t(reps.size());
  run.seqs.resize(requests.size());
  run.replica_of.assign(requests.size(), 0);
  for (size_t i = 0; i < requests.size(); ++i) run.seqs[i].req = &requests[i];
  Clients clients(requests, opt.max_concurrency);
  const int64_t total = int64_t(requests.size());
  int64_t ended = 0, in_flight = 0;
  double now = 0;
  auto replica_of = [&](const Sequence& s) { return size_t(run.replica_of[size_t(s.req - requests.data())]); };
  auto end = [&](Sequence& s) {
    const size_t r = replica_of(s);
    reps[r]->backend.release(s);
    --outstanding[r];
    clients.finished(s.finish_s);
    --in_flight;
    ++ended;
    run.end_s = std::max(run.end_s, s.finish_s);
  };
  // A replica's step ends at `now`: its tokens are stamped, its finished requests end.
  std::vector<double> prev_token_s;
  auto finish_step = [&](size_t ri) {
    Replica& rp = *reps[ri];
    rp.busy = false;
    StepRecord rec;
    rec.replica = int32_t(ri);
    rec.start_s = rp.start_s;
    rec.dur_s = rp.res.ns * 1e-9;
    prev_token_s.clear();
    for (const SeqStep& st : rp.plan.seqs) {
      rec.prefill_tokens += st.new_tokens > 1 || st.seq->num_output == 0 ? st.new_tokens : 0;
      rec.prefill_seqs += st.new_tokens > 1 || st.seq->num_output == 0;
      if (st.samples) {
        ++rec.sampled;
        prev_token_s.push_back(st.seq->last_token_s);
      }
    }
    rec.seqs = int32_t(rp.plan.seqs.size());
    rec.tokens = rp.plan.num_tokens;
    rec.preempted = int32_t(rp.plan.preempted.size());
    const std::vector<Sequence*> done = rp.sched.update(rp.plan, rp.res.tokens, now);
    for (double t : prev_token_s)
      if (t >= 0) run.itl_s.push_back(float(now - t));
    for (Sequence* s : done) end(*s);
    rec.kv_blocks_used = rp.sched.kv().num_used();
    rec.running = int32_t(rp.sched.num_running());
    rec.waiting = int32_t(rp.sched.num_waiting());
    run.steps.push_back(rec);
    if (progress && (!done.empty() || run.steps.size() % 256 == 0)) progress(ended, total, now);
  };
  // An idle replica plans its next step at `now`. False: the plan was empty and the engine
  // must look again at this same time (after a preemption, or a request failed as stuck).
  auto start_step = [&](Replica& rp) {
    for (Sequence* s : rp.arrived) rp.sched.add(s);
    rp.arrived.clear();
    if (rp.sched.idle()) return true;
    rp.plan = rp.sched.schedule();
    if (rp.plan.empty()) {
      // Only after preempting everything; an idle engine always admits the head (rejection()
      // checked it fits the whole cache), so a second empty plan would be a scheduler bug.
      if (rp.plan.preempted.empty()) {
        if (Sequence* s = rp.sched.fail_stuck("the scheduler could not place it on an idle engine (internal)")) {
          s->finish_s = now;
          end(*s);
        }
      }
      return false;
    }
    rp.res = rp.backend.run_at(now, rp.plan.seqs);
    if (!(rp.res.ns > 0) || !std::isfinite(rp.res.ns))
      fail("internal: a step of {} tokens took {} ns", rp.plan.num_tokens, rp.res.ns);
    rp.busy = true;
    rp.start_s = now;
    rp.end_s = now + rp.res.ns * 1e-9;
    return true;
  };
  while (ended < total) {
    for (size_t r = 0; r < reps.size(); ++r)
      if (reps[r]->busy && reps[r]->end_s <= now) finish_step(r);
    // Send every request whose time has come, routed as it is sent; reject those that can
    // never be served.
    while (clients.next_send_s() <= now) {
      double send_s = 0;
      const size_t i = clients.send(send_s);
      Sequence& s = run.seqs[i];
      s.send_s = send_s;
      const size_t r = router.pick(outstanding);
      run.replica_of[i] = int32_t(r);
      ++outstanding[r];
      ++in_flight;
      run.max_in_flight = std::max(run.max_in_flight, in_flight);
      if (const std::string why = reps[r]->sched.rejection(*s.req); !why.empty()) {
        s.state = SeqState::Failed;
        s.reason = FinishReason::Rejected;
        s.error = why;
        s.finish_s = send_s;
        end(s);
        continue;
      }
      reps[r]->arrived.push_back(&s);
    }
    bool again = false;
    for (auto& rp : reps)
      if (!rp->busy) again |= !start_step(*rp);
    if (again) continue;
    double next = clients.next_send_s();
    for (const auto& rp : reps)
      if (rp->busy) next = std::min(next, rp->end_s);
    if (!std::isfinite(next)) {
      if (ended < total) fail("internal: {} requests left but none can be sent", total - ended);
      break;
    }
    now = std::max(now, next);
  }
  for (const auto& rp : reps) {
    const PrefixCacheStats p = rp->sched.kv().prefix_stats();
    run.prefix.hit_tokens += p.hit_tokens;
    run.prefix.queried_tokens += p.queried_tokens;
    run.preemptions += rp->sched.preemptions();
    if (rp->sched.kv().num_used() != 0)
      fail("internal: {} KV blocks still referenced after every request ended", rp->sched.kv().num_used());
  }
  if (progress) progress(ended, total, now);
  return run;
}

}  // namespace npulab::serve
