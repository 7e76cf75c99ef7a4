// The sums inside optimizer steps (Prodigy's ⟨g, θ₀ − θ⟩ and ‖s‖₁, SAM's ‖g‖², Adafactor's
// RMS and factor means, LAMB's and SWATS's norms, gradient clipping), vectorized and in one
// fixed order, so that a step gives the same bits at every thread count and instruction set
// level (tests/optim/test_parallel.cpp, test_cpu_levels.cpp):
//   - the elements are cut into blocks of kSumBlock, whatever the thread count; each thread
//     takes a contiguous run of blocks, and the blocks' sums are added in block order;
//   - within a block, element i goes to running sum i mod kSumLanes (kSumLanes independent
//     sums, which a vector of any width holds whole lanes of), and the lanes are added in
//     a fixed tree at the end.
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
#include "descent/kernels/cpu_dispatch.hpp"

namespace descent::optim {

inline constexpr int64_t kSumBlock = 1 << 14;
inline constexpr int kSumLanes = 16;

namespace sums_detail {

// lanes[k][lane] += terms_k(i) for each term, in the order given.
template <class... F, std::size_t... k>
inline void add_terms(double (&lanes)[sizeof...(F)][kSumLanes], int lane, int64_t i, std::index_sequence<k...>,
                      const F&... terms) {
  ((lanes[k][lane] += double(terms(i))), ...);
}

}  // namespace sums_detail

// The sums Σ terms_k(i) over i in [begin, end) on the calling thread, one per term, in the
// order of one block below (of any length): for sums along the rows of a matrix.
template <class... F>
std::array<double, sizeof...(F)> sums_in_range(int64_t begin, int64_t end, const F&... bodies) {
  constexpr std::size_t K = sizeof...(F);
  return kernels::at_cpu_level([&]<kernels::CpuLevel>() {
    // The terms copied in: their pointers stay in registers through the loop.
    const auto add = [... terms = bodies](double(&lanes)[sizeof...(F)][kSumLanes], int lane, int64_t i) {
      sums_detail::add_terms(lanes, lane, i, std::index_sequence_for<F...>{}, terms...);
    };
    double lanes[K][kSumLanes] = {};
    int64_t i = begin;
    for (; i + kSumLanes <= end; i += kSumLanes) {
#pragma omp simd
      for (int lane = 0; lane < kSumLanes; ++lane) add(lanes, lane, i + lane);
    }
    for (int lane = 0; i < end; ++i, ++lane) add(lanes, lane, i);  // the ragged end
    std::array<double, K> out;
    for (std::size_t k = 0; k < K; ++k) {
      for (int width = kSumLanes / 2; width > 0; width /= 2)  // pairwise: lane j += lane j + width
        for (int lane = 0; lane < width; ++lane) lanes[k][lane] += lanes[k][lane + width];
      out[k] = lanes[k][0];
    }
    return out;
  });
}

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
