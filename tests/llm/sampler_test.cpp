// Sampling: greedy, temperature, top-k, top-p, seeded reproducibility, EOS stop.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "common/error.h"
#include "llm/reference/sampler.h"

namespace npulab::llm::reference {
namespace {

TEST(Sampler, GreedyIsArgmaxLowestIdOnTies) {
  Sampler s({});
  std::vector<float> l{0.1f, 3.0f, -1.0f, 3.0f};
  EXPECT_EQ(s.sample(l), 1);
  EXPECT_EQ(argmax(l), 1);
}

TEST(Sampler, TopKOneAndTinyTopPAreGreedy) {
  std::vector<float> l{0.5f, 0.2f, 0.9f, 0.1f};
  Sampler k1({.temperature = 1.0f, .top_k = 1, .top_p = 1.0f, .seed = 1});
  Sampler p0({.temperature = 1.0f, .top_k = 0, .top_p = 1e-6f, .seed = 2});
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(k1.sample(l), 2);
    EXPECT_EQ(p0.sample(l), 2);
  }
}

TEST(Sampler, FrequenciesFollowSoftmaxOfLogitsOverT) {
  // logits log(1), log(2), log(3), log(4) at T=1 -> p = .1 .2 .3 .4; at T=0.5 -> squares.
  std::vector<float> l{0.0f, std::log(2.0f), std::log(3.0f), std::log(4.0f)};
  for (float T : {1.0f, 0.5f}) {
    Sampler s({.temperature = T, .top_k = 0, .top_p = 1.0f, .seed = 42});
    std::map<int64_t, int> n;
    const int N = 20000;
    for (int i = 0; i < N; ++i) n[s.sample(l)]++;
    double z = 0;
    for (int i = 1; i <= 4; ++i) z += std::pow(i, 1.0 / T);
    for (int i = 0; i < 4; ++i)
      EXPECT_NEAR(n[i] / double(N), std::pow(i + 1, 1.0 / T) / z, 0.015) << "T=" << T << " i=" << i;
  }
}

TEST(Sampler, TopKAndTopPRestrictSupport) {
  std::vector<float> l{0.0f, std::log(2.0f), std::log(3.0f), std::log(4.0f)};
  Sampler k2({.temperature = 1.0f, .top_k = 2, .top_p = 1.0f, .seed = 3});
  // top_p 0.6: sorted probs .4, .3 reach .7 >= .6 -> support {3, 2}.
  Sampler p6({.temperature = 1.0f, .top_k = 0, .top_p = 0.6f, .seed = 4});
  std::map<int64_t, int> nk, np;
  for (int i = 0; i < 5000; ++i) {
    nk[k2.sample(l)]++;
    np[p6.sample(l)]++;
  }
  EXPECT_EQ(nk.size(), 2u);
  EXPECT_EQ(np.size(), 2u);
  EXPECT_TRUE(nk.count(2) && nk.count(3));
  EXPECT_TRUE(np.count(2) && np.count(3));
  EXPECT_NEAR(nk[3] / 5000.0, 4.0 / 7.0, 0.03);
}

TEST(Sampler, SameSeedSameSequenceDifferentSeedDiffers) {
  std::vector<float> l(64);
  for (size_t i = 0; i < l.size(); ++i) l[i] = float(i % 7) * 0.3f;
  auto run = [&](uint64_t seed) {
    Sampler s({.temperature = 1.0f, .top_k = 0, .top_p = 1.0f, .seed = seed});
    std::vector<int64_t> out;
    for (int i = 0; i < 100; ++i) out.push_back(s.sample(l));
    return out;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

TEST(Sampler, RejectsBadParams) {
  EXPECT_THROW(Sampler({.temperature = 1.0f, .top_k = -1}), npulab::Error);
  EXPECT_THROW(Sampler({.temperature = 1.0f, .top_k = 0, .top_p = 0.0f}), npulab::Error);
}

}  // namespace
}  // namespace npulab::llm::reference
