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
#include <utility>
#include <vector>

#include "descent/core/threads.hpp"
#include "descent/kernels/lane_sums.hpp"

namespace descent::optim {

inline constexpr int64_t kSumBlock = 1 << 14;
using kernels::kSumLanes;
using kernels::sums_in_range;

// The sums Σ terms_k(i) over i in [0, n), one per term, in one pass: for each element the
// terms are called in the order given, and a later one may write element i's state
// (Prodigy's moments), as a fused body does.
template <class... F>
std::array<double, sizeof...(F)> sums_over_elements(int64_t n, const F&... terms) {
  constexpr std::size_t K = sizeof...(F);
  const int64_t blocks = (n + kSumBlock - 1) / kSumBlock;
  std::vector<std::array<double, K>> partial(static_cast<std::size_t>(blocks));
  auto run_blocks = [&](int64_t first, int64_t last) {
    for (int64_t b = first; b < last; ++b)
      partial[static_cast<std::size_t>(b)] = sums_in_range(b * kSumBlock, std::min(n, (b + 1) * kSumBlock), terms...);
  };
  if (n < kParallelThreshold) {
    run_blocks(0, blocks);
  } else {
#pragma omp parallel
    {
      const int64_t thread = omp_get_thread_num(), threads = omp_get_num_threads();
      run_blocks(blocks * thread / threads, blocks * (thread + 1) / threads);
    }
  }
  std::array<double, K> total{};
  for (const std::array<double, K>& block : partial)
    for (std::size_t k = 0; k < K; ++k) total[k] += block[k];
  return total;
}

// Σ term(i) over i in [0, n).
template <class F>
double sum_over_elements(int64_t n, const F& term) {
  return sums_over_elements(n, term)[0];
}

}  // namespace descent::optim
