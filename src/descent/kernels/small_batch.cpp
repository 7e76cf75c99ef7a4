// Register-blocked loops for linear on a few rows. A block's sums live in vector registers
// (GCC/Clang vector extensions, as wide as the running CPU's registers: 64 bytes for AVX-512,
// 32 for AVX2, 16 for SSE2), so each value loaded from memory feeds several multiply-adds: the
// loop is bound by the multiply-add units, not by loads. Every block is compiled once per
// instruction set level (cpu_dispatch.hpp) and the level's table is chosen at run time.
#include "descent/kernels/small_batch.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "descent/kernels/cpu_dispatch.hpp"
#include "descent/kernels/parallel.hpp"
#include "descent/kernels/simd.hpp"

namespace descent::kernels {
namespace {

// y[r, q] += sum_i x[r, i] w[q, i] for r < R, q < Q: R rows of x by Q rows of w, R * Q sums
// from R + Q loads per vector of i.
template <class T, int R, int Q, int Bytes>
void dot_block(const T* x, int64_t ldx, const T* w, int64_t ldw, T* y, int64_t ldy, int64_t in) {
  using S = Simd<T, Bytes>;
  using V = typename S::V;
  V acc[R][Q] = {};
  auto step = [&](int64_t i, int n) {
    V xv[R], wv[Q];
#pragma GCC unroll 5
    for (int r = 0; r < R; ++r) xv[r] = in_register(S::load(x + r * ldx + i, n));
#pragma GCC unroll 4
    for (int q = 0; q < Q; ++q) wv[q] = in_register(S::load(w + q * ldw + i, n));
#pragma GCC unroll 5
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
      for (int q = 0; q < Q; ++q) acc[r][q] += xv[r] * wv[q];
  };
  int64_t i = 0;
  for (; i + S::kLanes <= in; i += S::kLanes) step(i, S::kLanes);
  if (i < in) step(i, static_cast<int>(in - i));
#pragma GCC unroll 5
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int q = 0; q < Q; ++q) y[r * ldy + q] += S::sum(acc[r][q]);
}

// dot_block compiled for level L.
template <class T, int R, int Q, CpuLevel L>
void dot_block_at(const T* x, int64_t ldx, const T* w, int64_t ldw, T* y, int64_t ldy, int64_t in) {
  at_level<L>([&]<CpuLevel>() { dot_block<T, R, Q, kVectorBytes<L>>(x, ldx, w, ldw, y, ldy, in); });
}

template <class T>
using DotBlock = void (*)(const T*, int64_t, const T*, int64_t, T*, int64_t, int64_t);

// dot_block_at<T, R, Q, L> at [(R - 1) * 4 + Q - 1], for R in 1..5, Q in 1..4.
template <class T, CpuLevel L, int... K>
constexpr std::array<DotBlock<T>, sizeof...(K)> dot_blocks(std::integer_sequence<int, K...>) {
  return {&dot_block_at<T, K / 4 + 1, K % 4 + 1, L>...};
}

// d[q, i] = (accumulate ? d[q, i] : 0) + sum_s c[q * c_out + s * c_sum] src[s, i] for q < Q and
// the C vectors of i from `i0` (the last holding `n_last` lanes when Partial, else all full):
// Q rows of d by C vectors, with one load of src per vector and term feeding Q multiply-adds.
template <class T, int Q, int C, bool Partial, int Bytes>
void combine_block(const T* c, int64_t c_out, int64_t c_sum, const T* src, int64_t ld_src, T* d, int64_t ld_d,
                   int64_t i0, int n_last, int64_t terms, bool accumulate) {
  using S = Simd<T, Bytes>;
  using V = typename S::V;
  auto lanes = [&](int k) { return Partial && k == C - 1 ? n_last : S::kLanes; };
  V acc[Q][C] = {};
  if (accumulate)
#pragma GCC unroll 6
    for (int q = 0; q < Q; ++q)
#pragma GCC unroll 4
      for (int k = 0; k < C; ++k) acc[q][k] = S::load(d + q * ld_d + i0 + k * S::kLanes, lanes(k));
  for (int64_t s = 0; s < terms; ++s) {
    V xv[C];
#pragma GCC unroll 4
    for (int k = 0; k < C; ++k) xv[k] = in_register(S::load(src + s * ld_src + i0 + k * S::kLanes, lanes(k)));
#pragma GCC unroll 6
    for (int q = 0; q < Q; ++q) {
      const T g = c[q * c_out + s * c_sum];
#pragma GCC unroll 4
      for (int k = 0; k < C; ++k) acc[q][k] += g * xv[k];
    }
  }
#pragma GCC unroll 6
  for (int q = 0; q < Q; ++q)
#pragma GCC unroll 4
    for (int k = 0; k < C; ++k) S::store(d + q * ld_d + i0 + k * S::kLanes, acc[q][k], lanes(k));
}

// combine_block compiled for level L.
template <class T, int Q, int C, bool Partial, CpuLevel L>
void combine_block_at(const T* c, int64_t c_out, int64_t c_sum, const T* src, int64_t ld_src, T* d, int64_t ld_d,
                      int64_t i0, int n_last, int64_t terms, bool accumulate) {
  at_level<L>([&]<CpuLevel>() {
    combine_block<T, Q, C, Partial, kVectorBytes<L>>(c, c_out, c_sum, src, ld_src, d, ld_d, i0, n_last, terms,
                                                     accumulate);
  });
}

template <class T>
using CombineBlock = void (*)(const T*, int64_t, int64_t, const T*, int64_t, T*, int64_t, int64_t, int, int64_t, bool);

// combine_block_at<T, Q, C, Partial, L> at [Partial * 24 + (Q - 1) * 4 + C - 1], for Q in 1..6,
// C in 1..4.
template <class T, CpuLevel L, int... K>
constexpr std::array<CombineBlock<T>, sizeof...(K)> combine_blocks(std::integer_sequence<int, K...>) {
  return {&combine_block_at<T, K % 24 / 4 + 1, K % 4 + 1, (K >= 24), L>...};
}

// small_batch_times_weight with level L's blocks.
template <class T, CpuLevel L>
void times_weight(const T* x, int64_t ldx, const T* w, int64_t ldw, T* y, int64_t rows, int64_t in, int64_t out) {
  const int64_t row_blocks = (rows + 4) / 5;
  static constexpr auto kBlocks = dot_blocks<T, L>(std::make_integer_sequence<int, 20>{});
  parallel_ranges(out, 4, rows * in * out, kParallelMultiplyAdds, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; o += 4) {  // four rows of w stay in cache over all of x
      const int64_t q = std::min<int64_t>(4, end - o);
      for (int64_t k = 0, b = 0; k < row_blocks; ++k) {
        const int64_t r = rows / row_blocks + (k < rows % row_blocks);
        kBlocks[static_cast<std::size_t>((r - 1) * 4 + q - 1)](x + b * ldx, ldx, w + o * ldw, ldw, y + b * out + o, out,
                                                               in);
        b += r;
      }
    }
  });
}

// combine_rows with level L's blocks.
template <class T, CpuLevel L>
void combine(const T* c, int64_t c_out, int64_t c_sum, const T* src, int64_t ld_src, T* d, int64_t n, int64_t terms,
             int64_t in, bool accumulate) {
  static constexpr auto kBlocks = combine_blocks<T, L>(std::make_integer_sequence<int, 48>{});
  constexpr int64_t kLanes = Simd<T, kVectorBytes<L>>::kLanes, kWidth = 4 * kLanes;
  if (terms == 0 && !accumulate) {
    std::fill_n(d, n * in, T(0));
    return;
  }
  parallel_ranges(n, 6, n * terms * in, kParallelMultiplyAdds, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; o += 6) {
      const int64_t q = std::min<int64_t>(6, end - o);
      for (int64_t i = 0; i < in; i += kWidth) {
        const int64_t width = std::min(kWidth, in - i), vectors = (width + kLanes - 1) / kLanes;
        const int n_last = static_cast<int>(width - (vectors - 1) * kLanes);
        const int64_t partial = n_last < kLanes;
        const CombineBlock<T> block = kBlocks[static_cast<std::size_t>(partial * 24 + (q - 1) * 4 + vectors - 1)];
        block(c + o * c_out, c_out, c_sum, src, ld_src, d + o * in, in, i, n_last, terms, accumulate);
      }
    }
  });
}

}  // namespace

// Blocks of up to five rows of x (the rows split as evenly as that allows: ten rows as five and
// five, not four, four and two) by four rows of w: 20 sums from nine loads per vector of i;
// threads split the outputs in multiples of four.
template <class T>
void small_batch_times_weight(const T* x, int64_t ldx, const T* w, int64_t ldw, T* y, int64_t rows, int64_t in,
                              int64_t out) {
  with_cpu_level([&]<CpuLevel L>() { times_weight<T, L>(x, ldx, w, ldw, y, rows, in, out); });
}

// Blocks of six rows of d by four vectors (six broadcasts and four loads per 24 multiply-adds);
// threads split the rows of d.
template <class T>
void combine_rows(const T* c, int64_t c_out, int64_t c_sum, const T* src, int64_t ld_src, T* d, int64_t n,
                  int64_t terms, int64_t in, bool accumulate) {
  with_cpu_level([&]<CpuLevel L>() { combine<T, L>(c, c_out, c_sum, src, ld_src, d, n, terms, in, accumulate); });
}

template void small_batch_times_weight<float>(const float*, int64_t, const float*, int64_t, float*, int64_t, int64_t,
                                              int64_t);
template void small_batch_times_weight<double>(const double*, int64_t, const double*, int64_t, double*, int64_t,
                                               int64_t, int64_t);
template void combine_rows<float>(const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t, int64_t,
                                  int64_t, bool);
template void combine_rows<double>(const double*, int64_t, int64_t, const double*, int64_t, double*, int64_t, int64_t,
                                   int64_t, bool);

}  // namespace descent::kernels
