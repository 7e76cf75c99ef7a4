// The sums inside optimizer steps (Prodigy's ⟨g, θ₀ − θ⟩ and ‖s‖₁, SAM's ‖g‖², Adafactor's
// RMS and factor means, LAMB's and SWATS's norms, gradient clipping), vectorized and in one
// fixed order, so that a step gives the same bits at every thread count and instruction set
// level (tests/optim/test_parallel.cpp, test_cpu_levels.cpp):
//   - the elements are cut into blocks of kSumBlock, whatever the thread count; each thread
//     takes a contiguous run of blocks, and the blocks' sums are added in block order;
//   - within a block, the order of kernels/lane_sums.hpp.
// The sums are in double, as kernels/reduce.hpp's: a float32 sum of 10M terms is then exact
// to float32 rounding.
#pragma once
#include <omp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "descent/core/threads.hpp"
#include "descent/kernels/lane_sums.hpp"

namespace descent::optim {

inline constexpr int64_t kSumBlock = 1 << 14;
using kernels::kSumLanes;
using kernels::sums_in_range;

// The sums of several tensors' elements, K per tensor, in one parallel region (as
// FusedStep's loops): a step over many tensors forks and joins once, not once per tensor.
// Each tensor's sums are cut into blocks of kSumBlock, whatever the thread count; each thread
// takes a contiguous run of every tensor's blocks, and the blocks' sums are added in order.
template <std::size_t K>
class FusedSums {
 public:
  // Σ terms_k(i) over i in [0, n), later, in run(): for each element the terms are called in
  // the order given, and a later one may write element i's state (Prodigy's s), as a fused
  // body does. Returns the index of these sums in run()'s result.
  template <class... F>
  std::size_t add(int64_t n, const F&... terms) {
    static_assert(sizeof...(F) == K, "one term per sum");
    tensors_.push_back({n, [terms...](int64_t begin, int64_t end) { return sums_in_range(begin, end, terms...); }});
    return tensors_.size() - 1;
  }

  // Every tensor's sums, in the order added.
  std::vector<std::array<double, K>> run() const {
    std::vector<std::vector<std::array<double, K>>> partial(tensors_.size());
    int64_t total = 0;
    for (std::size_t t = 0; t < tensors_.size(); ++t) {
      partial[t].resize(static_cast<std::size_t>(blocks_of(tensors_[t].n)));
      total += tensors_[t].n;
    }
    if (total < kParallelThreshold) {
      run_share(partial, 0, 1);
    } else {
#pragma omp parallel
      run_share(partial, omp_get_thread_num(), omp_get_num_threads());
    }
    std::vector<std::array<double, K>> totals(tensors_.size(), std::array<double, K>{});
    for (std::size_t t = 0; t < tensors_.size(); ++t)
      for (const std::array<double, K>& block : partial[t])
        for (std::size_t k = 0; k < K; ++k) totals[t][k] += block[k];
    return totals;
  }

 private:
  struct Sums {
    int64_t n;
    std::function<std::array<double, K>(int64_t, int64_t)> range;
  };

  static int64_t blocks_of(int64_t n) { return (n + kSumBlock - 1) / kSumBlock; }

  // This thread's contiguous run of every tensor's blocks.
  void run_share(std::vector<std::vector<std::array<double, K>>>& partial, int64_t thread, int64_t threads) const {
    for (std::size_t t = 0; t < tensors_.size(); ++t) {
      const int64_t n = tensors_[t].n, blocks = blocks_of(n);
      for (int64_t b = blocks * thread / threads; b < blocks * (thread + 1) / threads; ++b)
        partial[t][static_cast<std::size_t>(b)] = tensors_[t].range(b * kSumBlock, std::min(n, (b + 1) * kSumBlock));
    }
  }

  std::vector<Sums> tensors_;
};

// The sums Σ terms_k(i) over i in [0, n), one per term, in one pass (FusedSums of one tensor).
template <class... F>
std::array<double, sizeof...(F)> sums_over_elements(int64_t n, const F&... terms) {
  FusedSums<sizeof...(F)> sums;
  sums.add(n, terms...);
  return sums.run()[0];
}

// Σ term(i) over i in [0, n).
template <class F>
double sum_over_elements(int64_t n, const F& term) {
  return sums_over_elements(n, term)[0];
}

}  // namespace descent::optim
