// Sum kernels over contiguous data, accumulating in double (a float32 sum of 10M values is
// then exact to float32 rounding), split over OpenMP threads above kParallelThreshold.
// A reduction over given dims of a contiguous tensor is, after merging adjacent dims, a sum
// over the L leading and R trailing elements of an (L, M, R) block: out[m] = sum_l sum_r.
// The naive twins beside them are for tests.
#pragma once
#include <cstdint>

namespace descent::kernels {

// Sum of p[0..n).
template <class T>
double sum(const T* p, int64_t n);

// out[m] = sum over l < L, r < R of p[(l * M + m) * R + r], for m < M.
template <class T>
void sum_lmr(const T* p, int64_t L, int64_t M, int64_t R, T* out);

template <class T>
double sum_naive(const T* p, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(p[i]);
  return s;
}

template <class T>
void sum_lmr_naive(const T* p, int64_t L, int64_t M, int64_t R, T* out) {
  for (int64_t m = 0; m < M; ++m) {
    double s = 0.0;
    for (int64_t l = 0; l < L; ++l)
      for (int64_t r = 0; r < R; ++r) s += static_cast<double>(p[(l * M + m) * R + r]);
    out[m] = static_cast<T>(s);
  }
}

}  // namespace descent::kernels
