// Vector clocks over the streams of one core, and the semaphore history that lets a
// satisfied wait join exactly the clocks of the increments it waited for.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

namespace npulab::sim::race {

using Clock = std::vector<uint32_t>;  // one entry per stream of the core

inline void join_into(uint32_t* dst, const uint32_t* src, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = std::max(dst[i], src[i]);
}

// Semaphore s has been incremented k times; history(s)[k-1] is the join of the clocks
// carried by increments 1..k. A wait for value v joins history[v-1]: the increments up
// to v happened before the waiter, later ones need not have.
class SemHistory {
 public:
  explicit SemHistory(size_t nstreams) : n_(nstreams) {}
  void add(const uint32_t* signaller_clock) {
    const size_t k = count();
    hist_.resize((k + 1) * n_);
    uint32_t* cur = hist_.data() + k * n_;
    if (k > 0) std::copy(cur - n_, cur, cur);
    join_into(cur, signaller_clock, n_);
  }
  size_t count() const { return n_ ? hist_.size() / n_ : 0; }
  const uint32_t* upto(size_t v) const { return hist_.data() + (v - 1) * n_; }  // v >= 1

 private:
  size_t n_;
  std::vector<uint32_t> hist_;
};

}  // namespace npulab::sim::race
