// Conservative parallel discrete-event simulation over the ranks of a run, as SST and YAWNS
// synchronise: logical processes (LPs: here the simulated chips) are owned by ranks, every
// event is for one LP at one simulated time, and an event one rank sends another is at
// least `lookahead` later than the time it was sent at (in a fabric: the smallest latency of
// any route between chips of different ranks). So time advances in windows: every rank
// agrees on the earliest pending event anywhere (the lower bound on time stamps, LBTS),
// handles its own events before LBTS + lookahead - none can still arrive from another rank
// in that window - and the cross-rank events it posted meanwhile are exchanged at the
// window's end. Results do not depend on the rank count: within a window a rank handles its
// events in (time, lp, key) order, whichever rank posted them.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "dist/comm.h"

namespace npulab::dist {

struct Event {
  double time = 0;     // simulated ns
  uint32_t lp = 0;     // the logical process it is for
  uint64_t key = 0;    // orders events of one LP at one time (the poster's choice, unique)
  Bytes data;
};

struct SyncStats {
  uint64_t windows = 0;            // synchronisation rounds (each an exchange and an LBTS)
  uint64_t events = 0;             // handled by this rank
  uint64_t remote_events = 0;      // this rank sent to others
  uint64_t remote_bytes = 0;       // their payload
};

class ConservativeSync {
 public:
  // `owner(lp)`: the rank holding lp; `lookahead` > 0 ns.
  ConservativeSync(Comm& comm, double lookahead_ns, std::function<int(uint32_t)> owner);

  // Schedules an event: for this rank's LP into its queue, for another rank's into the next
  // exchange. Before run() any time goes; during run() an event for another rank must be at
  // or after the current window's end (the lookahead promise: an error names both).
  void post(Event e);

  // Runs windows until no rank holds an event, calling `handle` for each of this rank's
  // events in (time, lp, key) order; a handler may post more. Every rank calls it together.
  void run(const std::function<void(const Event&)>& handle);

  double lookahead_ns() const { return lookahead_; }
  const SyncStats& stats() const { return stats_; }

 private:
  Comm& comm_;
  double lookahead_;
  std::function<int(uint32_t)> owner_;
  std::vector<Event> queue_;                 // this rank's pending events
  std::vector<std::vector<Event>> outbox_;   // per destination rank
  double window_end_ = -1;                   // < 0: not in a window
  SyncStats stats_;
};

}  // namespace npulab::dist
