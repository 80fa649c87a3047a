// Helper thread for run_split (see helper_thread.h). The caller publishes a job under a
// mutex and wakes the helper; it then runs its own half and waits for the helper's
// completion flag (a short spin first: the halves take about the same time).
#include "sim/kernels_host/helper_thread.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

namespace npulab::sim::host {
namespace {

class Helper {
 public:
  Helper() : thread_([this] { loop(); }) {}
  ~Helper() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  void run(const std::function<void(int)>& part) {
    done_.store(false, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> l(mu_);
      job_ = &part;
    }
    cv_.notify_one();
    part(0);
    for (int i = 0; i < 2000 && !done_.load(std::memory_order_acquire); ++i) std::this_thread::yield();
    std::unique_lock<std::mutex> l(mu_);
    done_cv_.wait(l, [&] { return done_.load(std::memory_order_acquire); });
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> l(mu_);
    for (;;) {
      cv_.wait(l, [&] { return stop_ || job_ != nullptr; });
      if (stop_) return;
      const std::function<void(int)>* job = job_;
      job_ = nullptr;
      l.unlock();
      (*job)(1);
      l.lock();
      done_.store(true, std::memory_order_release);
      done_cv_.notify_one();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int)>* job_ = nullptr;
  std::atomic<bool> done_{false};
  bool stop_ = false;
  std::thread thread_;  // last: started after the members it uses
};

std::atomic<bool>& enabled_flag() {
  static std::atomic<bool> on{[] {
    const char* e = std::getenv("NPULAB_SIM_THREADS");
    return std::thread::hardware_concurrency() >= 2 && !(e && std::strcmp(e, "1") == 0);
  }()};
  return on;
}

}  // namespace

bool helper_thread_enabled() { return enabled_flag().load(); }
void set_helper_thread_enabled(bool on) { enabled_flag().store(on); }

void run_split(const std::function<void(int)>& part) {
  if (!helper_thread_enabled()) {
    part(0);
    part(1);
    return;
  }
  static Helper helper;  // started on first use, joined at exit
  // One job at a time: simulations on several host threads share the helper in turn.
  static std::mutex one_job;
  std::unique_lock<std::mutex> l(one_job, std::try_to_lock);
  if (!l.owns_lock()) {
    part(0);
    part(1);
    return;
  }
  helper.run(part);
}

}  // namespace npulab::sim::host
