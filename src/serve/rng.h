// The random draws of workload generation, written out so a seed gives the same workload on
// every machine and standard library (std::*_distribution algorithms are
// implementation-defined; mt19937_64's output is not).
#pragma once
#include <cstdint>
#include <random>

namespace npulab::serve {

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  double uniform();                        // [0, 1), 53 bits
  int64_t uniform_int(int64_t lo, int64_t hi);  // [lo, hi]
  double normal();                         // standard normal (Box-Muller)
  double exponential();                    // mean 1
  double gamma(double shape);              // scale 1 (Marsaglia and Tsang, 2000)
  uint64_t next() { return g_(); }

 private:
  std::mt19937_64 g_;
  bool has_spare_ = false;
  double spare_ = 0;
};

}  // namespace npulab::serve
