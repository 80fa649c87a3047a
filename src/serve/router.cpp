#include "serve/router.h"

#include "common/error.h"

namespace npulab::serve {

const char* routing_name(Routing r) { return r == Routing::RoundRobin ? "round-robin" : "least-outstanding"; }

Routing parse_routing(const std::string& s, const char* option) {
  if (s == "least-outstanding") return Routing::LeastOutstanding;
  if (s == "round-robin") return Routing::RoundRobin;
  fail("{} '{}': expected least-outstanding or round-robin", option, s);
}

Router::Router(Routing policy, size_t replicas) : policy_(policy), replicas_(replicas) {
  if (replicas == 0) fail("internal: a router over no replicas");
}

size_t Router::pick(std::span<const int64_t> outstanding) {
  if (outstanding.size() != replicas_)
    fail("internal: router of {} replicas given {} counts", replicas_, outstanding.size());
  if (policy_ == Routing::RoundRobin) {
    const size_t r = next_;
    next_ = (next_ + 1) % replicas_;
    return r;
  }
  size_t best = 0;
  for (size_t i = 1; i < replicas_; ++i)
    if (outstanding[i] < outstanding[best]) best = i;
  return best;
}

}  // namespace npulab::serve
