// Vector clocks over the streams of a chip (every non-empty stream of every core), and the
// semaphore history that lets a satisfied wait join exactly the clocks of the increments it
// waited for.
#pragma once
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace npulab::sim::race {

inline void join_into(uint32_t* dst, const uint32_t* src, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = std::max(dst[i], src[i]);
}

// Semaphore s has been incremented k times; the clock "up to v" is the join of the clocks
// carried by increments 1..v. A wait for value v joins it: the increments up to v happened
// before the waiter, later ones need not have.
//
// Stored sparsely, because a chip-wide clock has one entry per stream of every core (up to
// ~1000) while an increment usually raises a few of them: per increment only the entries
// it raises above the running join, plus a full copy of the running join every
// kCheckpoint increments. join_upto(v) joins the checkpoint below v and the deltas after it.
class SemHistory {
 public:
  static constexpr uint32_t kCheckpoint = 64;
  explicit SemHistory(size_t nstreams = 0) : n_(nstreams), cur_(nstreams, 0) {}
  void add(const uint32_t* signaller_clock) {
    begin_.push_back(uint32_t(deltas_.size()));
    for (uint32_t i = 0; i < n_; ++i)
      if (signaller_clock[i] > cur_[i]) {
        cur_[i] = signaller_clock[i];
        deltas_.emplace_back(i, cur_[i]);
      }
    if (begin_.size() % kCheckpoint == 0) checkpoints_.insert(checkpoints_.end(), cur_.begin(), cur_.end());
  }
  size_t count() const { return begin_.size(); }
  // dst = max(dst, join of increments 1..v), 1 <= v <= count().
  void join_upto(uint32_t* dst, size_t v) const {
    const size_t j = v / kCheckpoint;  // checkpoint j-1 holds increments 1 .. j*kCheckpoint
    if (j > 0) join_into(dst, checkpoints_.data() + (j - 1) * n_, n_);
    // Then the deltas of increments j*kCheckpoint+1 .. v.
    const size_t from = delta_end(j * kCheckpoint), to = delta_end(v);
    for (size_t k = from; k < to; ++k) dst[deltas_[k].first] = std::max(dst[deltas_[k].first], deltas_[k].second);
  }

 private:
  // End of the deltas of increments 1..v in deltas_.
  size_t delta_end(size_t v) const { return v < begin_.size() ? begin_[v] : deltas_.size(); }
  uint32_t n_;
  std::vector<uint32_t> cur_;                           // join of every increment so far
  std::vector<uint32_t> begin_;                         // increment k+1's deltas start here
  std::vector<std::pair<uint32_t, uint32_t>> deltas_;   // (stream, new value)
  std::vector<uint32_t> checkpoints_;                   // cur_ after each kCheckpoint increments
};

}  // namespace npulab::sim::race
