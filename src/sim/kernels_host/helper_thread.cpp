// HelperThread (see helper_thread.h). The caller publishes a job under a mutex and wakes
// the helper; it then runs its own half and waits for the helper's completion flag (a
// short spin first: the halves take about the same time). The thread starts on the first
// job, so a chip that never runs a large matmul never starts one.
#include "sim/kernels_host/helper_thread.h"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

namespace npulab::sim::host {

struct HelperThread::Impl {
  std::mutex mu;
  std::condition_variable cv, done_cv;
  const std::function<void(int)>* job = nullptr;
  std::atomic<bool> done{false};
  bool stop = false;
  std::exception_ptr helper_error;  // what part(1) threw, rethrown by the caller
  std::mutex one_job;  // held by the caller whose job the helper runs
  std::thread thread;  // started by the first run_split

  void loop() {
    std::unique_lock<std::mutex> l(mu);
    for (;;) {
      cv.wait(l, [&] { return stop || job != nullptr; });
      if (stop) return;
      const std::function<void(int)>* j = job;
      job = nullptr;
      l.unlock();
      std::exception_ptr e;
      try {
        (*j)(1);
      } catch (...) {
        e = std::current_exception();
      }
      l.lock();
      helper_error = e;
      done.store(true, std::memory_order_release);
      done_cv.notify_one();
    }
  }
};

HelperThread::HelperThread() : impl_(std::make_unique<Impl>()) {}

HelperThread::~HelperThread() {
  if (!impl_->thread.joinable()) return;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->stop = true;
  }
  impl_->cv.notify_one();
  impl_->thread.join();
}

void HelperThread::run_split(const std::function<void(int)>& part) {
  Impl& s = *impl_;
  std::unique_lock<std::mutex> mine(s.one_job, std::try_to_lock);
  if (!mine.owns_lock()) {
    part(0);
    part(1);
    return;
  }
  if (!s.thread.joinable()) s.thread = std::thread([&s] { s.loop(); });
  s.done.store(false, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> l(s.mu);
    s.job = &part;
  }
  s.cv.notify_one();
  std::exception_ptr error;  // the helper still holds `part`: wait for it before rethrowing
  try {
    part(0);
  } catch (...) {
    error = std::current_exception();
  }
  for (int i = 0; i < 2000 && !s.done.load(std::memory_order_acquire); ++i) std::this_thread::yield();
  std::unique_lock<std::mutex> l(s.mu);
  s.done_cv.wait(l, [&] { return s.done.load(std::memory_order_acquire); });
  if (!error) error = std::exchange(s.helper_error, nullptr);
  if (error) std::rethrow_exception(error);
}

}  // namespace npulab::sim::host
