// A progress bar on stderr, drawn only when stderr is a terminal (quiet in logs and pipes),
// redrawn at most ten times a second.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace npulab::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string what);
  ~ProgressBar();
  void update(int64_t done, int64_t total, const std::string& detail = "");
  void finish();  // clears the line
  bool enabled() const { return enabled_; }

 private:
  std::string what_;
  bool enabled_ = false, drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace npulab::cli
