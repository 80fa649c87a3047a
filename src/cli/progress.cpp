#include "cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

namespace npulab::cli {

ProgressBar::ProgressBar(std::string what) : what_(std::move(what)), enabled_(isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(int64_t done, int64_t total, const std::string& detail) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && done < total && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  constexpr int kWidth = 30;
  const double f = total > 0 ? std::clamp(double(done) / double(total), 0.0, 1.0) : 0.0;
  const int fill = int(f * kWidth);
  fmt::print(stderr, "\r{} [{}{}] {}/{} {}\x1b[K", what_, std::string(size_t(fill), '#'),
             std::string(size_t(kWidth - fill), '.'), done, total, detail);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!drawn_) return;
  fmt::print(stderr, "\r\x1b[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace npulab::cli
