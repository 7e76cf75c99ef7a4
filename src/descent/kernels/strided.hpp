// Strided iteration: the one loop under every elementwise op. Operands are described by
// strides over a common shape (stride 0 where an operand is broadcast); adjacent dims that
// are laid out contiguously for every operand are merged first, so a contiguous tensor is
// one flat row and a bias added to a (B, N) matrix is B rows. Large loops are split over
// OpenMP threads, by rows, or within the row when there is only one.
#pragma once
#include <omp.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "descent/core/shape.hpp"
#include "descent/core/threads.hpp"

namespace descent::kernels {

template <int K>
struct Geometry {
  Shape shape;
  std::array<Shape, K> strides;
};

// Merges dims i and i+1 wherever every operand steps through them as one.
template <int K>
Geometry<K> collapse(const Shape& shape, const std::array<Shape, K>& strides) {
  Geometry<K> g;
  for (int i = 0; i < shape.rank(); ++i) {
    if (shape[i] == 1) continue;  // a size-1 dim never moves
    bool merge = g.shape.rank() > 0;
    for (int k = 0; k < K && merge; ++k) {
      const int last = g.shape.rank() - 1;
      merge = g.strides[k][last] == strides[k][i] * shape[i];
    }
    if (merge) {
      const int last = g.shape.rank() - 1;
      g.shape[last] *= shape[i];
      for (int k = 0; k < K; ++k) g.strides[k][last] = strides[k][i];
    } else {
      g.shape.push_back(shape[i]);
      for (int k = 0; k < K; ++k) g.strides[k].push_back(strides[k][i]);
    }
  }
  if (g.shape.rank() == 0) {  // a single element
    g.shape.push_back(1);
    for (int k = 0; k < K; ++k) g.strides[k].push_back(0);
  }
  return g;
}

// Calls row(offsets, n, inner_strides) for each row of the innermost dim; offsets are in
// elements from each operand's first element. Rows are independent, so threads split them.
template <int K, class RowFn>
void for_each_row(const Shape& shape, const std::array<Shape, K>& strides, RowFn&& row) {
  const Geometry<K> g = collapse<K>(shape, strides);
  const int rank = g.shape.rank();
  const int64_t inner = g.shape[rank - 1];
  std::array<int64_t, K> inner_strides;
  for (int k = 0; k < K; ++k) inner_strides[k] = g.strides[k][rank - 1];
  const int64_t rows = g.shape.numel() / std::max<int64_t>(inner, 1);
  const int64_t total = rows * inner;
  if (total == 0) return;
  const int threads = total >= kParallelThreshold ? omp_get_max_threads() : 1;

  auto row_offsets = [&](int64_t r) {
    std::array<int64_t, K> off{};
    for (int d = rank - 2; d >= 0; --d) {
      const int64_t i = r % g.shape[d];
      r /= g.shape[d];
      for (int k = 0; k < K; ++k) off[k] += i * g.strides[k][d];
    }
    return off;
  };

  if (rows == 1) {  // one long row: split it
    if (threads == 1) {
      row(std::array<int64_t, K>{}, inner, inner_strides);
      return;
    }
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      const int64_t chunk = (inner + nt - 1) / nt;
      // Keep chunks on 64-byte boundaries of contiguous data.
      const int64_t aligned = (chunk + 15) / 16 * 16;
      const int64_t begin = std::min<int64_t>(inner, t * aligned), end = std::min<int64_t>(inner, begin + aligned);
      if (begin < end) {
        std::array<int64_t, K> off;
        for (int k = 0; k < K; ++k) off[k] = begin * inner_strides[k];
        row(off, end - begin, inner_strides);
      }
    }
    return;
  }
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (int64_t r = 0; r < rows; ++r) row(row_offsets(r), inner, inner_strides);
}

// Strides of a tensor of `shape`/`strides` seen through broadcasting to `out` (0 where expanded).
inline Shape broadcast_strides(const Shape& shape, const Shape& strides, const Shape& out) {
  Shape s;
  const int pad = out.rank() - shape.rank();
  for (int i = 0; i < out.rank(); ++i) {
    const int j = i - pad;
    s.push_back(j < 0 || shape[j] == 1 ? 0 : strides[j]);
  }
  return s;
}

}  // namespace descent::kernels
