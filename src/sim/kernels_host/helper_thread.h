// A helper thread that runs half of a large host kernel while the calling thread runs the
// other half (the functional simulator is otherwise single-threaded). Each sim::Chip owns
// one (sim::ChipOptions::helper_thread), started on its first use and joined when the chip
// goes, so chips in one process never share a thread or wait for each other. Work is split
// so that each half writes disjoint outputs and computes every output exactly as a single
// thread would, so results never depend on it.
#pragma once
#include <functional>
#include <memory>

namespace npulab::sim::host {

class HelperThread {
 public:
  HelperThread();
  ~HelperThread();
  HelperThread(const HelperThread&) = delete;
  HelperThread& operator=(const HelperThread&) = delete;

  // Runs part(1) on the helper thread and part(0) on the caller; returns when both are
  // done. One caller at a time (a chip runs one program at a time); a second caller that
  // finds the helper busy runs both halves itself.
  void run_split(const std::function<void(int)>& part);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace npulab::sim::host
