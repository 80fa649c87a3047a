#include "dist/conservative.h"

#include <algorithm>
#include <limits>
#include <tuple>

#include "common/error.h"
#include "dist/bytes.h"

namespace npulab::dist {
namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();

bool earlier(const Event& a, const Event& b) { return std::tie(a.time, a.lp, a.key) < std::tie(b.time, b.lp, b.key); }

Bytes encode(const std::vector<Event>& es) {
  ByteWriter w;
  w.put(uint64_t(es.size()));
  for (const Event& e : es) {
    w.put(e.time);
    w.put(e.lp);
    w.put(e.key);
    w.put(e.data);
  }
  return w.take();
}

void decode_into(const Bytes& b, std::vector<Event>& out) {
  ByteReader r(b);
  const uint64_t n = r.get<uint64_t>();
  for (uint64_t i = 0; i < n; ++i) {
    Event e;
    e.time = r.get<double>();
    e.lp = r.get<uint32_t>();
    e.key = r.get<uint64_t>();
    e.data = r.get_vector<uint8_t>();
    out.push_back(std::move(e));
  }
}

}  // namespace

ConservativeSync::ConservativeSync(Comm& comm, double lookahead_ns, std::function<int(uint32_t)> owner)
    : comm_(comm), lookahead_(lookahead_ns), owner_(std::move(owner)), outbox_(size_t(comm.size())) {
  if (!(lookahead_ > 0))
    fail("conservative synchronisation needs a lookahead > 0 ns (the smallest latency between ranks), got {}",
         lookahead_);
}

void ConservativeSync::post(Event e) {
  const int to = owner_(e.lp);
  if (to == comm_.rank()) {
    queue_.push_back(std::move(e));
    return;
  }
  if (window_end_ >= 0 && e.time < window_end_)
    fail("internal: an event for LP {} at {} ns crosses ranks inside the window ending at {} ns: the lookahead "
         "({} ns) is larger than the model's smallest cross-rank delay",
         e.lp, e.time, window_end_, lookahead_);
  ++stats_.remote_events;
  stats_.remote_bytes += e.data.size();
  outbox_[size_t(to)].push_back(std::move(e));
}

void ConservativeSync::run(const std::function<void(const Event&)>& handle) {
  for (;;) {
    // The window's end: what the others posted arrives, then every rank agrees on LBTS.
    std::vector<Bytes> out(outbox_.size());
    for (size_t r = 0; r < outbox_.size(); ++r) {
      out[r] = encode(outbox_[r]);
      outbox_[r].clear();
    }
    for (const Bytes& b : comm_.all_to_all(out)) decode_into(b, queue_);
    double mine = kNever;
    for (const Event& e : queue_) mine = std::min(mine, e.time);
    const double lbts = all_min(comm_, mine);
    if (lbts == kNever) break;
    ++stats_.windows;
    window_end_ = lbts + lookahead_;
    // This rank's events of the window, in order; a handler may post into this window too
    // (events for this rank's own LPs), so the queue is re-read until nothing is left in it.
    for (;;) {
      std::vector<Event> now, later;
      for (Event& e : queue_) (e.time < window_end_ ? now : later).push_back(std::move(e));
      queue_ = std::move(later);
      if (now.empty()) break;
      std::sort(now.begin(), now.end(), earlier);
      for (const Event& e : now) {
        handle(e);
        ++stats_.events;
      }
    }
  }
  window_end_ = -1;
}

}  // namespace npulab::dist
