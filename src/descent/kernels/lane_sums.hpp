// Sums in double, vectorized and in one fixed order whatever the instruction set level: element
// i of a range goes to running sum i mod kSumLanes (kSumLanes independent sums, which a vector
// of any width holds whole lanes of), and the lanes are added in a fixed tree at the end. So a
// sum gives the same bits at every level, and at every thread count where each range is summed
// by one thread (optim/sums.hpp's blocks, batch_norm's channels).
#pragma once
#include <array>
#include <cstdint>
#include <utility>

#include "descent/kernels/cpu_dispatch.hpp"

namespace descent::kernels {

inline constexpr int kSumLanes = 16;

namespace sums_detail {

// lanes[k][lane] += terms_k(i) for each term, in the order given.
template <class A, class... F, std::size_t... k>
inline void add_terms(A (&lanes)[sizeof...(F)][kSumLanes], int lane, int64_t i, std::index_sequence<k...>,
                      const F&... terms) {
  ((lanes[k][lane] += A(terms(i))), ...);
}

// add(lanes, lane, i) for i in [begin, end), element i - begin to lane (i - begin) mod
// kSumLanes: whole vectors of lanes, then the ragged end to the first lanes.
template <class Lanes, class Add>
inline void add_row(Lanes& lanes, int64_t begin, int64_t end, const Add& add) {
  int64_t i = begin;
  for (; i + kSumLanes <= end; i += kSumLanes) {
#pragma omp simd
    for (int lane = 0; lane < kSumLanes; ++lane) add(lanes, lane, i + lane);
  }
  for (int lane = 0; i < end; ++i, ++lane) add(lanes, lane, i);
}

// Each term's lanes added in the fixed tree (pairwise: lane j += lane j + width).
template <std::size_t K>
inline std::array<double, K> folded(double (&lanes)[K][kSumLanes]) {
  std::array<double, K> out;
  for (std::size_t k = 0; k < K; ++k) {
    for (int width = kSumLanes / 2; width > 0; width /= 2)
      for (int lane = 0; lane < width; ++lane) lanes[k][lane] += lanes[k][lane + width];
    out[k] = lanes[k][0];
  }
  return out;
}

}  // namespace sums_detail

// The sums Σ terms_k(start(r) + i) over rows r < rows and i < length, one per term, on the
// calling thread: each row's elements go to the lanes in order (element i of a row to lane
// i mod kSumLanes, the ragged end to the first lanes), the lanes carried from row to row, and
// added in the fixed tree once at the end. For the channels of an (N, C, L) tensor, whose
// N rows of L values are apart.
template <class Start, class... F>
std::array<double, sizeof...(F)> sums_over_rows(int64_t rows, int64_t length, const Start& start, const F&... bodies) {
  return kernels::at_cpu_level([&]<kernels::CpuLevel>() {
    // The terms copied in: their pointers stay in registers through the loop.
    const auto add = [... terms = bodies](double(&lanes)[sizeof...(F)][kSumLanes], int lane, int64_t i) {
      sums_detail::add_terms(lanes, lane, i, std::index_sequence_for<F...>{}, terms...);
    };
    double lanes[sizeof...(F)][kSumLanes] = {};
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t begin = start(r);
      sums_detail::add_row(lanes, begin, begin + length, add);
    }
    return sums_detail::folded(lanes);
  });
}

// The sums of sums_over_rows with each row first summed in float: element i of a row goes to
// float lane i mod kSumLanes of the row's own partial sums, in order, and the row's lanes are
// added into the double lanes when the row ends. Fixed order as above (the same bits at every
// level and thread count), with float arithmetic per element: twice the lanes of a vector of
// doubles and no conversions, for rows short enough that a float partial of a few dozen terms
// per lane loses little (batch_norm's channels: rows of H x W values). The terms return float.
template <class Start, class... F>
std::array<double, sizeof...(F)> sums_over_float_rows(int64_t rows, int64_t length, const Start& start,
                                                      const F&... bodies) {
  constexpr std::size_t K = sizeof...(F);
  return kernels::at_cpu_level([&]<kernels::CpuLevel>() {
    const auto add = [... terms = bodies](float(&lanes)[sizeof...(F)][kSumLanes], int lane, int64_t i) {
      sums_detail::add_terms(lanes, lane, i, std::index_sequence_for<F...>{}, terms...);
    };
    double lanes[K][kSumLanes] = {};
    for (int64_t r = 0; r < rows; ++r) {
      float row[K][kSumLanes] = {};
      const int64_t begin = start(r);
      sums_detail::add_row(row, begin, begin + length, add);
      for (std::size_t k = 0; k < K; ++k)
#pragma omp simd
        for (int lane = 0; lane < kSumLanes; ++lane) lanes[k][lane] += double(row[k][lane]);
    }
    return sums_detail::folded(lanes);
  });
}

// The sums Σ terms_k(i) over i in [begin, end) on the calling thread, one per term, in the
// order above: for one block of a longer sum, or one row of a matrix.
template <class... F>
std::array<double, sizeof...(F)> sums_in_range(int64_t begin, int64_t end, const F&... bodies) {
  return sums_over_rows(
      1, end - begin, [begin](int64_t) { return begin; }, bodies...);
}

}  // namespace descent::kernels
