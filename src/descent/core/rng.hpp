// Generator: descent's own seeded random number generator (xoshiro256**, seeded through
// splitmix64; Blackman & Vigna 2018). Every distribution is computed here from raw 64-bit
// words, never with std::*_distribution, so a seed gives the same numbers with every
// standard library. Its whole state is four words, saved in checkpoints.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace descent {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0x5eed) { manual_seed(seed); }

  void manual_seed(uint64_t seed);
  uint64_t next_u64();

  double uniform();  // [0, 1), 53 random bits
  // Scaled with an explicit fused multiply-add: a compiler free to contract `a * b + c` or
  // not (it depends on -march) would otherwise round differently from build to build.
  double uniform(double lo, double hi) { return std::fma(hi - lo, uniform(), lo); }
  double normal();  // standard normal (Box-Muller; no cached second value)
  double normal(double mean, double std) { return std::fma(std, normal(), mean); }
  bool bernoulli(double p) { return uniform() < p; }
  uint64_t randint(uint64_t n);                 // uniform in [0, n), without modulo bias (Lemire 2019)
  std::vector<int64_t> permutation(int64_t n);  // Fisher-Yates shuffle of 0..n-1

  using State = std::array<uint64_t, 4>;
  State state() const { return s_; }
  void set_state(const State& s) { s_ = s; }

 private:
  State s_{};
};

// The library's default generator, used when an op or initializer is given none.
Generator& default_generator();
// Seeds the default generator (as torch.manual_seed).
void manual_seed(uint64_t seed);

}  // namespace descent
