// Min-heap of scheduler events, 4-ary: half the levels of a binary heap and the four
// children of a node share a cache line pair, which matters because DMA bandwidth changes
// re-queue many completion events (stale ones stay until popped). Keys (time, sequence
// number) are unique, so pop order is the same as any other correct priority queue.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace npulab::sim {

template <class T, class Less>  // Less(a, b): a comes out first
class QuadHeap {
 public:
  bool empty() const { return v_.empty(); }
  const T& top() const { return v_.front(); }
  void push(const T& x) {
    size_t i = v_.size();
    v_.push_back(x);
    while (i > 0) {
      const size_t p = (i - 1) / 4;
      if (!Less{}(x, v_[p])) break;
      v_[i] = v_[p];
      i = p;
    }
    v_[i] = x;
  }
  void pop() {
    const T x = v_.back();
    v_.pop_back();
    const size_t n = v_.size();
    if (n == 0) return;
    size_t i = 0;
    while (true) {
      const size_t c = 4 * i + 1;
      if (c >= n) break;
      size_t best = c;
      const size_t end = c + 4 < n ? c + 4 : n;
      for (size_t k = c + 1; k < end; ++k)
        if (Less{}(v_[k], v_[best])) best = k;
      if (!Less{}(v_[best], x)) break;
      v_[i] = v_[best];
      i = best;
    }
    v_[i] = x;
  }

 private:
  std::vector<T> v_;
};

// The scheduler's event queue: (t, seq) order, like one heap, but two kinds of events skip
// the heap: events pushed for the time being processed (wake-ups by a signal, a DMA engine
// whose next transfer is due at once) go to a FIFO, and events the caller pushes with
// push_monotone (DMA transfer starts: issue time + the chip's fixed DMA latency, so in
// order) go to a second FIFO while they arrive in (t, seq) order (else to the heap). A
// pop takes the least of the heap's top and the two FIFOs' fronts: the same order as one
// heap. T has int64 t and uint64 seq.
template <class T, class Less>
class EventQueue {
 public:
  bool empty() const { return head_ == now_fifo_.size() && late_head_ == late_.size() && heap_.empty(); }
  [[gnu::always_inline]] void push(const T& e) {
    if (e.t == now_ && (head_ == now_fifo_.size() || now_fifo_.back().seq < e.seq))
      now_fifo_.push_back(e);
    else
      heap_.push(e);
  }
  [[gnu::always_inline]] void push_monotone(const T& e) {
    if (late_head_ == late_.size() || Less{}(late_.back(), e))
      late_.push_back(e);
    else
      push(e);
  }
  [[gnu::always_inline]] T pop() {
    const T* best = heap_.empty() ? nullptr : &heap_.top();
    int from = 0;  // 0 heap, 1 now FIFO, 2 late FIFO
    if (head_ < now_fifo_.size() && (!best || !Less{}(*best, now_fifo_[head_]))) {
      best = &now_fifo_[head_];
      from = 1;
    }
    if (late_head_ < late_.size() && (!best || Less{}(late_[late_head_], *best))) {
      best = &late_[late_head_];
      from = 2;
    }
    const T e = *best;
    if (from == 1) {
      if (++head_ == now_fifo_.size()) {
        now_fifo_.clear();
        head_ = 0;
      }
      return e;
    }
    if (from == 2) {
      if (++late_head_ == late_.size()) {
        late_.clear();
        late_head_ = 0;
      } else if (late_head_ >= 1024 && 2 * late_head_ >= late_.size()) {  // bounded memory
        late_.erase(late_.begin(), late_.begin() + std::ptrdiff_t(late_head_));
        late_head_ = 0;
      }
    } else {
      heap_.pop();
    }
    now_ = e.t;
    return e;
  }

 private:
  QuadHeap<T, Less> heap_;
  std::vector<T> now_fifo_, late_;
  size_t head_ = 0, late_head_ = 0;
  int64_t now_ = 0;
};

}  // namespace npulab::sim
