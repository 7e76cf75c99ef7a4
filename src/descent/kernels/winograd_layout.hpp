// What the Winograd kernels (conv_winograd.cpp: the forward and the input gradient;
// conv_winograd_gradient.cpp: the weight gradient) share: the transforms of F(m x m, r x r) and
// their application to vectors, the plan of a convolution's tiles, the channels-last copies of
// an image, the input transform, and how a band of tiles is blocked.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "descent/kernels/cpu_dispatch.hpp"
#include "descent/kernels/im2col.hpp"
#include "descent/kernels/simd.hpp"

namespace descent::kernels::winograd_detail {

// The transforms of F(m x m, r x r): B^T (alpha x alpha), G (alpha x r) and A^T (m x alpha),
// alpha = m + r - 1. F(2, 3) and F(4, 3) are Lavin & Gray's; F(2, 5) is the Toom-Cook
// construction with the same points as F(4, 3), 0, 1, -1, 2, -2 and infinity (A^T's columns are
// the points' powers, G's rows their Lagrange weights, and B^T solves A^T[i][j] G[j][k]
// B^T[j][l] summed over j = [l == i + k]), so its B^T is F(4, 3)'s (alpha is 6 for both).
struct F2x3 {
  static constexpr int kTile = 2, kKernel = 3;
  static constexpr double BT[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
  static constexpr double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  static constexpr double AT[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
};

struct F4x3 {
  static constexpr int kTile = 4, kKernel = 3;
  static constexpr double BT[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                                      {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
  static constexpr double G[6][3] = {{1.0 / 4, 0, 0},
                                     {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                     {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                     {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                     {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                     {0, 0, 1}};
  static constexpr double AT[4][6] = {{1, 1, 1, 1, 1, 0},
                                      {0, 1, -1, 2, -2, 0},
                                      {0, 1, 1, 4, 4, 0},
                                      {0, 1, -1, 8, -8, 1}};
};

struct F2x5 {
  static constexpr int kTile = 2, kKernel = 5;
  static constexpr double BT[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                                      {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
  static constexpr double G[6][5] = {{1.0 / 4, 0, 0, 0, 0},
                                     {-1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6},
                                     {-1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6},
                                     {1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 3, 2.0 / 3},
                                     {1.0 / 24, -1.0 / 12, 1.0 / 6, -1.0 / 3, 2.0 / 3},
                                     {0, 0, 0, 0, 1}};
  static constexpr double AT[2][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 1}};
};

// alpha^2, the transform points of W's tiles.
template <class W>
constexpr int kPointsOf = (W::kTile + W::kKernel - 1) * (W::kTile + W::kKernel - 1);

// M^T, for a constant matrix M.
template <const auto& M>
constexpr auto transposed() {
  constexpr std::size_t rows = std::size(M), cols = std::size(M[0]);
  std::array<std::array<double, rows>, cols> t{};
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) t[j][i] = M[i][j];
  return t;
}

// What the weight gradient applies: the adjoints of the output and weight transforms. With
// M = U (.) V and y = A^T M A per tile, dM = A dy A^T, and the kernel's gradient is
// G^T dU G with dU = dM (.) V summed over tiles.
template <class W>
struct Adjoints {
  static constexpr auto A = transposed<W::AT>();
  static constexpr auto GT = transposed<W::G>();
};

// The element type of V: V itself for a scalar, else its lanes' type.
template <class V>
auto element_of() {
  if constexpr (std::is_arithmetic_v<V>) {
    return V{};
  } else {
    return std::remove_cvref_t<decltype(std::declval<V>()[0])>{};
  }
}

// sum + M[I][j] in[j stride] over j >= J, for a constant matrix M: zeros are skipped, and 1 and
// -1 become an add and a subtract, so a transform costs only its nonzero terms.
template <const auto& M, int I, int J, bool Started, class V>
[[gnu::always_inline]] inline V combine(const V* in, int64_t stride, V sum) {
  constexpr int kCols = static_cast<int>(std::size(M[0]));
  if constexpr (J == kCols) {
    static_assert(Started, "a transform row of zeros");
    return sum;
  } else {
    constexpr double m = M[I][J];
    if constexpr (m == 0) {
      return combine<M, I, J + 1, Started>(in, stride, sum);
    } else {
      using E = decltype(element_of<V>());
      const V x = in[J * stride];
      V term;
      if constexpr (m == 1) {
        term = x;
      } else if constexpr (m == -1) {
        term = -x;
      } else {
        term = static_cast<E>(m) * x;  // scalar times vector: one broadcast
      }
      if constexpr (Started) {
        return combine<M, I, J + 1, true>(in, stride, sum + term);
      } else {
        return combine<M, I, J + 1, true>(in, stride, term);
      }
    }
  }
}

// f.template operator()<I>() for I = 0, ..., N - 1.
template <int N, class F>
[[gnu::always_inline]] inline void for_each_index(const F& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) { (f.template operator()<I>(), ...); }
  (std::make_integer_sequence<int, N>{});
}

// out = M in M^T for a constant M (Rows x Cols): `in` Cols x Cols and `out` Rows x Rows,
// row-major. The transforms of the weights (G), the inputs (B^T) and the outputs (A^T).
template <const auto& M, class V>
[[gnu::always_inline]] inline void sandwich(const V* in, V* out) {
  constexpr int kRows = static_cast<int>(std::size(M)), kCols = static_cast<int>(std::size(M[0]));
  V rows[kRows * kCols];  // M in
  for_each_index<kRows>([&]<int I>() {
    for_each_index<kCols>([&]<int L>() { rows[I * kCols + L] = combine<M, I, 0, false>(in + L, kCols, V{}); });
  });
  for_each_index<kRows>([&]<int I>() {
    for_each_index<kRows>([&]<int J>() { out[I * kRows + J] = combine<M, J, 0, false>(rows + I * kCols, 1, V{}); });
  });
}

// Rows i and i + Step of a square block of vectors exchange their off-diagonal Step x Step
// blocks: one step of the recursive transpose.
template <int Step, class V, int... L>
[[gnu::always_inline]] inline void swap_blocks(V& a, V& b, std::integer_sequence<int, L...>) {
  constexpr int N = sizeof...(L);
  const V low = __builtin_shufflevector(a, b, ((L & Step) ? N + L - Step : L)...);
  const V high = __builtin_shufflevector(a, b, ((L & Step) ? N + L : L + Step)...);
  a = low, b = high;
}

template <int Step, class V, int N>
[[gnu::always_inline]] inline void transpose_steps(V (&r)[N]) {
  if constexpr (Step > 0) {
#pragma GCC unroll 16
    for (int i = 0; i < N; ++i)
      if ((i & Step) == 0) swap_blocks<Step>(r[i], r[i + Step], std::make_integer_sequence<int, N>{});
    transpose_steps<Step / 2>(r);
  }
}

// r[i][j] becomes r[j][i], for N vectors of N lanes (4 N log2 N two-source shuffles).
template <class V, int N>
[[gnu::always_inline]] inline void transpose(V (&r)[N]) {
  transpose_steps<N / 2>(r);
}

constexpr int64_t kLanes = 16;  // floats in an AVX-512 vector

// The vectors of the level the kernels run at (always AVX-512: conv_winograd_applies).
template <CpuLevel L>
using S = Simd<float, kVectorBytes<L>>;

// The convolution the kernels run: the forward's, or the input gradient's (the forward of the
// flipped, transposed kernel over dy), with its tiles and the padded copy's size.
struct Plan {
  int64_t batch, in_channels, out_channels, in_h, in_w, out_h, out_w, pad_top, pad_left;
  int64_t tile;  // m: tiles of m x m outputs, the last row and column cut short
  int64_t tiles_h, tiles_w;
  int64_t padded_h, padded_w;  // the channels-last copy: m tiles_h + r - 1 rows
  int64_t in_plane() const { return in_h * in_w; }
  int64_t out_plane() const { return out_h * out_w; }
};

inline Plan make_plan(const ConvGeometry& g, bool input_gradient, int64_t tile) {
  Plan p{g.batch,   g.in_channels, g.out_channels, g.in_h, g.in_w, g.out_h, g.out_w,
         g.pad_top, g.pad_left,    tile,           0,      0,      0,       0};
  if (input_gradient) {
    p.in_channels = g.out_channels, p.in_h = g.out_h, p.in_w = g.out_w;
    p.out_channels = g.in_channels, p.out_h = g.in_h, p.out_w = g.in_w;
    p.pad_top = g.kernel_h - 1 - g.pad_top, p.pad_left = g.kernel_w - 1 - g.pad_left;
  }
  p.tiles_h = (p.out_h + tile - 1) / tile, p.tiles_w = (p.out_w + tile - 1) / tile;
  p.padded_h = tile * p.tiles_h + g.kernel_h - 1, p.padded_w = tile * p.tiles_w + g.kernel_w - 1;
  return p;
}

// How the products are blocked: NV vectors of output channels by P tiles per register block,
// and the tile rows per band (the band's transformed inputs and products stay in L2).
struct Blocking {
  int nv, p;
  int64_t band_rows, tiles_padded;  // the band's tiles rounded up to whole blocks
};

constexpr int64_t kBandBytes = int64_t{768} << 10;

inline Blocking make_blocking(const Plan& pl, int points) {
  Blocking b{};
  b.nv = pl.out_channels % 64 == 0 ? 4 : pl.out_channels % 32 == 0 ? 2 : 1;
  const int64_t tile_bytes = points * (pl.in_channels + pl.out_channels) * int64_t{sizeof(float)};
  b.band_rows = std::clamp<int64_t>(kBandBytes / (tile_bytes * pl.tiles_w), 1, pl.tiles_h);
  const int64_t tiles = b.band_rows * pl.tiles_w;
  // The candidate heights P for each NV (at most 24 accumulators, at least 8 to hide the
  // multiply-adds' latency): the one that pads the band least, the tallest on ties.
  static constexpr int kHeights[3][4] = {{24, 16, 14, 12}, {12, 10, 8, 7}, {6, 5, 4, 4}};
  const int* heights = kHeights[b.nv == 1 ? 0 : b.nv == 2 ? 1 : 2];
  int64_t best = -1;
  for (int i = 0; i < 4; ++i) {
    const int64_t padded = (tiles + heights[i] - 1) / heights[i] * heights[i];
    if (best < 0 || padded < best) best = padded, b.p = heights[i];
  }
  b.tiles_padded = best;
  return b;
}

// Where each pixel of an h x w plane goes in a channels-last copy with rows of `pitch` pixels,
// the plane's corner at row `top` and column `left`: the `at` of to_channels_last.
inline std::vector<int64_t> pixel_places(int64_t h, int64_t w, int64_t pitch, int64_t top, int64_t left) {
  std::vector<int64_t> at(static_cast<std::size_t>(h * w));
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) at[static_cast<std::size_t>(y * w + x)] = (y + top) * pitch + x + left;
  return at;
}

// image (C, plane) into rows of C values, pixel i at out[at[i] C]: 16 x 16 blocks transposed
// (the last block of pixels, if short, read lane by lane).
template <CpuLevel L>
inline void to_channels_last(const float* image, int64_t channels, int64_t plane, const int64_t* at, float* out) {
  using V = typename S<L>::V;
  for (int64_t p0 = 0; p0 < plane; p0 += kLanes) {
    const int n = static_cast<int>(std::min<int64_t>(kLanes, plane - p0));
    for (int64_t c0 = 0; c0 < channels; c0 += kLanes) {
      const float* src = image + c0 * plane + p0;
      V r[kLanes];
      if (n == kLanes) {
#pragma GCC unroll 16
        for (int i = 0; i < kLanes; ++i) r[i] = S<L>::load(src + i * plane);
      } else {
        for (int i = 0; i < kLanes; ++i) r[i] = S<L>::load(src + i * plane, n);
      }
      transpose(r);
#pragma GCC unroll 16
      for (int j = 0; j < kLanes; ++j)
        if (j < n) S<L>::store(out + at[p0 + j] * channels + c0, r[j]);
    }
  }
}

// staging (plane pixels of C values) into image (C, plane), plus bias[c] unless bias is null.
template <CpuLevel L>
inline void to_channels_first(const float* staging, int64_t channels, int64_t plane, const float* bias, float* image) {
  using V = typename S<L>::V;
  for (int64_t p0 = 0; p0 < plane; p0 += kLanes) {
    const int n = static_cast<int>(std::min<int64_t>(kLanes, plane - p0));
    for (int64_t c0 = 0; c0 < channels; c0 += kLanes) {
      V r[kLanes];
#pragma GCC unroll 16
      for (int i = 0; i < kLanes; ++i) r[i] = i < n ? S<L>::load(staging + (p0 + i) * channels + c0) : V{};
      transpose(r);
      if (bias) {
        const V b = S<L>::load(bias + c0);
#pragma GCC unroll 16
        for (int i = 0; i < kLanes; ++i) r[i] += b[i];
      }
      float* dst = image + c0 * plane + p0;
      if (n == kLanes) {
#pragma GCC unroll 16
        for (int i = 0; i < kLanes; ++i) S<L>::store(dst + i * plane, r[i]);
      } else {
        for (int i = 0; i < kLanes; ++i) S<L>::store(dst + i * plane, r[i], n);
      }
    }
  }
}

// The per-thread buffers of one image.
struct Buffers {
  float *padded, *v, *m, *staging;
};

// V for the tile rows [row0, row0 + rows): v[((xi chunks + ch) tiles_padded + t) 16 + lane] =
// (B^T d B)[xi] for chunk ch of 16 channels of tile t's window d.
template <CpuLevel L, class W>
[[gnu::always_inline]] inline void transform_inputs(const Plan& pl, int64_t row0, int64_t rows, int64_t tiles_padded,
                                                    const float* padded, float* v) {
  using V = typename S<L>::V;
  constexpr int A = W::kTile + W::kKernel - 1, M = W::kTile;
  const int64_t cin = pl.in_channels, chunks = cin / kLanes;
  for (int64_t tr = 0; tr < rows; ++tr)
    for (int64_t tx = 0; tx < pl.tiles_w; ++tx) {
      const int64_t t = tr * pl.tiles_w + tx;
      const float* corner = padded + (M * (row0 + tr) * pl.padded_w + M * tx) * cin;
      for (int64_t ch = 0; ch < chunks; ++ch) {
        V d[A * A], out[A * A];
        for (int i = 0; i < A; ++i)
          for (int j = 0; j < A; ++j) d[i * A + j] = S<L>::load(corner + (i * pl.padded_w + j) * cin + ch * kLanes);
        sandwich<W::BT>(d, out);
        for (int xi = 0; xi < A * A; ++xi) S<L>::store(v + ((xi * chunks + ch) * tiles_padded + t) * kLanes, out[xi]);
      }
    }
}

}  // namespace descent::kernels::winograd_detail
