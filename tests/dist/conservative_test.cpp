// The conservative engine on one process: events are handled in (time, lp, key) order
// whatever order they were posted in, a handler's events join the run (in the same window
// when they fall in it), the run ends when nothing is left, and a lookahead that is not
// positive is refused.
#include <gtest/gtest.h>

#include <limits>

#include "common/error.h"
#include "dist/comm.h"
#include "dist/conservative.h"

namespace npulab::dist {
namespace {

TEST(ConservativeSync, HandlesEventsInOrderAndCountsWindows) {
  auto comm = make_single_comm();
  ConservativeSync sync(*comm, 10.0, [](uint32_t) { return 0; });
  for (auto [t, lp, key] : {std::tuple{25.0, 1u, 0ull}, {3.0, 2u, 0ull}, {3.0, 1u, 9ull}, {3.0, 1u, 4ull}})
    sync.post({t, lp, key, {}});
  std::vector<std::tuple<double, uint32_t, uint64_t>> seen;
  sync.run([&](const Event& e) {
    seen.emplace_back(e.time, e.lp, e.key);
    if (e.key == 4) sync.post({e.time + 5, 3, 1, {}});   // 8 ns: still in the window [3, 13)
    if (e.time == 25) sync.post({40, 3, 2, {7}});        // a window of its own
  });
  const std::vector<std::tuple<double, uint32_t, uint64_t>> want = {
      {3.0, 1, 4}, {3.0, 1, 9}, {3.0, 2, 0}, {8.0, 3, 1}, {25.0, 1, 0}, {40.0, 3, 2}};
  EXPECT_EQ(seen, want);
  EXPECT_EQ(sync.stats().windows, 3u);  // [3, 13), [25, 35), [40, 50)
  EXPECT_EQ(sync.stats().events, 6u);
  EXPECT_EQ(sync.stats().remote_events, 0u);
}

TEST(ConservativeSync, UnboundedLookaheadIsOneWindowAndZeroIsRefused) {
  auto comm = make_single_comm();
  ConservativeSync sync(*comm, std::numeric_limits<double>::infinity(), [](uint32_t) { return 0; });
  for (double t : {1.0, 1e9, 5.0}) sync.post({t, 0, uint64_t(t), {}});
  int n = 0;
  sync.run([&](const Event&) { ++n; });
  EXPECT_EQ(n, 3);
  EXPECT_EQ(sync.stats().windows, 1u);
  EXPECT_THROW(ConservativeSync(*comm, 0.0, [](uint32_t) { return 0; }), Error);
}

}  // namespace
}  // namespace npulab::dist
