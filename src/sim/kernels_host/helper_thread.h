// One lazily started helper thread that runs half of a large host kernel while the
// calling thread runs the other half (the functional simulator is otherwise
// single-threaded). Work is split so that each half writes disjoint outputs and computes
// every output exactly as a single thread would, so results never depend on it.
#pragma once
#include <functional>

namespace npulab::sim::host {

// Runs part(1) on the helper thread and part(0) on the caller; returns when both are
// done. Runs both on the caller when helper threads are disabled or unavailable.
void run_split(const std::function<void(int)>& part);

// Whether run_split uses the helper thread (default: yes when the host has >= 2 CPUs and
// the environment variable NPULAB_SIM_THREADS is not 1).
bool helper_thread_enabled();
void set_helper_thread_enabled(bool on);

}  // namespace npulab::sim::host
