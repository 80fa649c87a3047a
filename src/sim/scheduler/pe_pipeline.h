// Background LoadStationary of the tensor engine, and the semaphore history it needs.
//
// Every tensor-engine instruction is a LoadStationary (LS, when the stationary is not the
// one the array holds) followed by a MultiplyMoving (MM). The array keeps a second
// stationary buffer, so the LS of the next instruction runs "in parallel to the computation
// on the current stationary tensor" (NKI architecture guide, "Background LoadStationary";
// docs/SIMULATOR.md). The next LS can start once
//   - the current MM has started (the buffer it fills is free from then on),
//   - the instruction's semaphore waits hold (its stationary has been written), and
//   - the PE sequencer has reached it (control ops before it are done);
// its MM starts when both the current MM and its own LS are done. A stream that reaches a
// matmul only after an idle gap (waiting for data) therefore pays the whole LS, and an LS
// longer than the MM it hides behind shows the difference (the LS-bound case of the
// guide's figure). The LS still waits for all of the instruction's waits: npulab's matmul
// is one instruction, so waits on the moving operand delay the LS too (conservative).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

namespace npulab::sim {

struct PePipeline {
  int64_t mm_start = INT64_MIN;  // ps: when the last issued instruction's MM started

  // A tensor-engine instruction issues at `now` (the previous MM is done) with an LS of `ls`
  // ps that may begin at `ready`: returns the LS time not hidden behind the previous MM.
  int64_t issue(int64_t now, int64_t ready, int64_t ls) {
    const int64_t exposed = ls > 0 ? std::max<int64_t>(0, std::max(ready, mm_start) + ls - now) : 0;
    mm_start = now + exposed;
    return exposed;
  }
};

// When each of the last kDepth values of every semaphore of a core was reached (semaphores
// only grow by 1), so that an instruction can tell when its waits came to hold.
class SemHistory {
 public:
  static constexpr int64_t kDepth = 256;
  void reset(uint32_t sems) { t_.assign(size_t(sems) * kDepth, 0); }
  void reached(uint32_t sem, int64_t value, int64_t now) { t_[slot(sem, value)] = now; }
  // Time `sem` reached `target` given its current value (>= target); for a value older than
  // the history, the oldest time kept (later than the true one: conservative).
  int64_t when(uint32_t sem, int64_t target, int64_t value) const {
    if (target <= 0) return 0;
    return t_[slot(sem, std::max(target, value - kDepth + 1))];
  }

 private:
  size_t slot(uint32_t sem, int64_t value) const { return size_t(sem) * kDepth + size_t(value % kDepth); }
  std::vector<int64_t> t_;
};

}  // namespace npulab::sim
