// The load balancer in front of data-parallel replicas (`npulab bench --dp N`): which of N
// identical engines a request goes to when its client sends it. Deterministic: the choice
// depends only on the order of sends and the replicas' outstanding requests at that moment.
//   - least-outstanding (default): the replica with the fewest requests routed to it and not
//     yet finished (queued or running), ties to the lowest index - what vLLM's data-parallel
//     front end and a least-outstanding-requests load balancer in front of endpoints do;
//   - round-robin: replica 0, 1, ..., N-1, 0, ... in send order, whatever their load.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace npulab::serve {

enum class Routing : uint8_t { LeastOutstanding, RoundRobin };

const char* routing_name(Routing r);                         // "least-outstanding", "round-robin"
Routing parse_routing(const std::string& s, const char* option);  // throws naming `option`

class Router {
 public:
  Router(Routing policy, size_t replicas);
  // The replica for the next request, given each replica's outstanding requests.
  size_t pick(std::span<const int64_t> outstanding);

 private:
  Routing policy_;
  size_t replicas_, next_ = 0;
};

}  // namespace npulab::serve
