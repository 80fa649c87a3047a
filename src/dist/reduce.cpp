// The one-number reductions of dist/comm.h, on all_gather: every rank combines the same
// list in rank order, so every rank gets the same value.
#include <algorithm>

#include "dist/bytes.h"
#include "dist/comm.h"

namespace npulab::dist {
namespace {

template <class T, class F>
T all_reduce(Comm& c, T v, F combine) {
  ByteWriter w;
  w.put(v);
  T acc{};
  bool first = true;
  for (const Bytes& b : c.all_gather(w.take())) {
    ByteReader r(b);
    const T x = r.get<T>();
    acc = first ? x : combine(acc, x);
    first = false;
  }
  return acc;
}

}  // namespace

double all_max(Comm& c, double v) { return all_reduce(c, v, [](double a, double b) { return std::max(a, b); }); }
double all_min(Comm& c, double v) { return all_reduce(c, v, [](double a, double b) { return std::min(a, b); }); }
uint64_t all_sum(Comm& c, uint64_t v) { return all_reduce(c, v, [](uint64_t a, uint64_t b) { return a + b; }); }

}  // namespace npulab::dist
