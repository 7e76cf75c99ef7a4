// Sums at memory speed. One running sum is bound by the latency of floating-point addition
// (a few cycles per add), far below what memory delivers, so a thread keeps several
// independent vector sums.
// Threads take contiguous slices and their partial results are combined in thread order,
// so a sum is the same from run to run at a given thread count. Each thread's loops run in
// the running CPU's widest registers (at_cpu_level, chosen inside the parallel regions); the
// vector width sets how the running sums are split, so the last bits of a sum can differ
// between levels (as PyTorch's between its CPU capabilities).
#include "descent/kernels/reduce.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <vector>

#include "descent/core/threads.hpp"
#include "descent/kernels/cpu_dispatch.hpp"

namespace descent::kernels {
namespace {

// Four running sums in double, of p0[0, n) ... p3[0, n), in one loop: `omp simd` keeps each
// in vector registers, so four additions are in flight at once, and four streams from four
// places in memory keep more reads in flight than one.
template <class T>
std::array<double, 4> sum_four(const T* p0, const T* p1, const T* p2, const T* p3, int64_t n) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
  for (int64_t i = 0; i < n; ++i) {
    s0 += static_cast<double>(p0[i]);
    s1 += static_cast<double>(p1[i]);
    s2 += static_cast<double>(p2[i]);
    s3 += static_cast<double>(p3[i]);
  }
  return {s0, s1, s2, s3};
}

// A long range is summed as four quarters (sum_four). A short range is one running sum:
// there the compiler's own unrolling does as well, and the quarters' unaligned starts and
// longer epilogue would cost more than they save.
template <class T>
double sum_range(const T* p, int64_t n) {
  if (n < (int64_t{1} << 14)) {
    double s = 0.0;
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < n; ++i) s += static_cast<double>(p[i]);
    return s;
  }
  const int64_t q = n / 4;
  std::array<double, 4> s = sum_four(p, p + q, p + 2 * q, p + 3 * q, q);
  for (int64_t i = 4 * q; i < n; ++i) s[3] += static_cast<double>(p[i]);
  return (s[0] + s[1]) + (s[2] + s[3]);
}

// sum_range, compiled for the running CPU's level.
template <class T>
double sum_serial(const T* p, int64_t n) {
  return at_cpu_level([&]<CpuLevel>() { return sum_range(p, n); });
}

int threads_for(int64_t work) { return work >= kParallelThreshold ? omp_get_max_threads() : 1; }

// [begin, end) of thread t's share of n items.
std::pair<int64_t, int64_t> share(int64_t n, int t, int nt) {
  const int64_t chunk = (n + nt - 1) / nt;
  const int64_t begin = std::min(n, t * chunk);
  return {begin, std::min(n, begin + chunk)};
}

// acc[m - m0] += sum over l in [l0, l1), r < R of p[(l * M + m) * R + r], for m in [m0, m1).
template <class T>
void add_blocks(const T* p, int64_t l0, int64_t l1, int64_t M, int64_t R, int64_t m0, int64_t m1, double* acc) {
  if (R == 1) {
    // Column sums, vectorized along the row. Eight rows per pass over acc, so that loading
    // and storing acc costs an eighth of the reading (measured: one row per pass reaches
    // half the memory bandwidth, eight rows nine tenths), and the eight are added in T
    // before the double sum: converting every float to double kept one core at 30 GB/s,
    // below what it reads (39 GB/s this way). A float32 column sum can then differ from the
    // exactly rounded sum in its last bit or two (PyTorch, summing in float, alike).
    constexpr int64_t kRows = 8;
    int64_t l = l0;
    for (; l + kRows <= l1; l += kRows) {
      const T* r = p + l * M;
#pragma omp simd
      for (int64_t m = m0; m < m1; ++m) {
        T s = 0;  // eight rows in T, then into the double sum: one conversion per eight values
        for (int64_t k = 0; k < kRows; ++k) s += r[k * M + m];
        acc[m - m0] += static_cast<double>(s);
      }
    }
    for (; l < l1; ++l) {
      const T* r = p + l * M;
#pragma omp simd
      for (int64_t m = m0; m < m1; ++m) acc[m - m0] += static_cast<double>(r[m]);
    }
    return;
  }
  for (int64_t l = l0; l < l1; ++l)
    for (int64_t m = m0; m < m1; ++m) acc[m - m0] += sum_range(p + (l * M + m) * R, R);
}

}  // namespace

template <class T>
double sum(const T* p, int64_t n) {
  const int threads = threads_for(n);
  if (threads == 1) return sum_serial(p, n);
  std::vector<double> partial(static_cast<std::size_t>(threads), 0.0);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    const auto [begin, end] = share(n, t, omp_get_num_threads());
    partial[static_cast<std::size_t>(t)] = sum_serial(p + begin, end - begin);
  }
  double s = 0.0;
  for (double v : partial) s += v;
  return s;
}

template <class T>
void sum_lmr(const T* p, int64_t L, int64_t M, int64_t R, T* out) {
  if (M == 1) {
    out[0] = static_cast<T>(sum(p, L * R));
    return;
  }
  const int threads = threads_for(L * M * R);
  if (L == 1) {                      // each output sums one contiguous row
    if (M < int64_t{4} * threads) {  // a few long rows: split each row instead
      for (int64_t m = 0; m < M; ++m) out[m] = static_cast<T>(sum(p + m * R, R));
      return;
    }
    // Four rows at once (sum_four), one from each quarter of a thread's rows: 40 GB/s on one
    // core here, 32 row after row; each row is still one running sum in double. Rows too
    // long for that are each summed in quarters.
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
      const auto [m0, m1] = share(M, omp_get_thread_num(), omp_get_num_threads());
      const int64_t q = (m1 - m0) / 4;
      if (R < (int64_t{1} << 14)) {
        for (int64_t m = m0; m < m0 + q; ++m) {
          const T* row = p + m * R;
          const std::array<double, 4> s =
              at_cpu_level([&]<CpuLevel>() { return sum_four(row, row + q * R, row + 2 * q * R, row + 3 * q * R, R); });
          for (int k = 0; k < 4; ++k) out[m + k * q] = static_cast<T>(s[static_cast<std::size_t>(k)]);
        }
      }
      for (int64_t m = R < (int64_t{1} << 14) ? m0 + 4 * q : m0; m < m1; ++m)
        out[m] = static_cast<T>(sum_serial(p + m * R, R));
    }
    return;
  }
  // Leading dims reduced. Threads split the L blocks, each summing into its own M
  // accumulators (each reads one contiguous slice); when M is too large for a copy per
  // thread, or L too small to split, they split the M outputs instead.
  const bool split_l = L >= threads && M <= (int64_t{1} << 16);
  std::vector<double> partial(static_cast<std::size_t>(split_l ? threads * M : M), 0.0);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    if (split_l) {
      const auto blocks = share(L, t, nt);  // not a structured binding: clang 14 cannot capture one
      std::vector<double> acc(static_cast<std::size_t>(M), 0.0);  // private: no false sharing
      at_cpu_level([&]<CpuLevel>() { add_blocks(p, blocks.first, blocks.second, M, R, 0, M, acc.data()); });
      std::copy(acc.begin(), acc.end(), partial.begin() + t * M);
    } else {
      const auto outputs = share(M, t, nt);
      std::vector<double> acc(static_cast<std::size_t>(outputs.second - outputs.first), 0.0);
      at_cpu_level([&]<CpuLevel>() { add_blocks(p, 0, L, M, R, outputs.first, outputs.second, acc.data()); });
      std::copy(acc.begin(), acc.end(), partial.begin() + outputs.first);
    }
  }
  const int parts = split_l ? threads : 1;
  for (int64_t m = 0; m < M; ++m) {
    double s = 0.0;
    for (int t = 0; t < parts; ++t) s += partial[static_cast<std::size_t>(t * M + m)];
    out[m] = static_cast<T>(s);
  }
}

template double sum<float>(const float*, int64_t);
template double sum<double>(const double*, int64_t);
template void sum_lmr<float>(const float*, int64_t, int64_t, int64_t, float*);
template void sum_lmr<double>(const double*, int64_t, int64_t, int64_t, double*);

}  // namespace descent::kernels
