// Winograd F(m x m, r x r) of conv_winograd.hpp. Per image: the input into a channels-last,
// zero-padded copy; then in bands of tile rows, the input transform (vectors of channels), one
// matrix product per transform point (register blocks of tiles by vectors of output channels),
// and the output transform into a channels-last staging image; last, the staging image is
// transposed into the NCHW output, with the bias.
#include "descent/kernels/conv_winograd.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include <omp.h>

#include "descent/kernels/bias_sums.hpp"
#include "descent/kernels/cpu_dispatch.hpp"
#include "descent/kernels/parallel.hpp"
#include "descent/kernels/scratch.hpp"
#include "descent/kernels/simd.hpp"

namespace descent::kernels {
namespace {

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

Plan make_plan(const ConvGeometry& g, bool input_gradient, int64_t tile) {
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

// The weights transformed, u[(xi C_in + c) C_out + o] = (G k G^T)[xi] for the plan's channels
// (c in, o out), in double and rounded once: k = w[o][c], or for the input gradient w[c][o]
// rotated by 180 degrees. Eight output channels at a time in a vector of doubles, the blocks
// split over threads (C_out is a multiple of 16).
template <class W>
std::vector<float> transformed_weights(const float* w, const Plan& p, bool input_gradient) {
  constexpr int R = W::kKernel, kPoints = kPointsOf<W>, kBlock = 8;
  using D = Simd<double, 64>;
  using F = Simd<float, 32>;
  const int64_t cin = p.in_channels, cout = p.out_channels;
  std::vector<float> u(static_cast<std::size_t>(kPoints * cin * cout));
  const int64_t work = cout * cin * kPoints * R * 4;
  parallel_ranges(cout / kBlock, 1, work, kParallelMultiplyAdds / 16, [&](int64_t begin, int64_t end) {
    at_level<CpuLevel::avx512>([&]<CpuLevel>() {
      for (int64_t block = begin; block < end; ++block)
        for (int64_t c = 0; c < cin; ++c) {
          typename D::V k[R * R], t[kPoints];
          for (int lane = 0; lane < kBlock; ++lane) {
            const int64_t o = block * kBlock + lane;
            const float* kernel = input_gradient ? w + (c * cout + o) * R * R : w + (o * cin + c) * R * R;
            for (int i = 0; i < R * R; ++i) k[i][lane] = input_gradient ? kernel[R * R - 1 - i] : kernel[i];
          }
          sandwich<W::G>(k, t);
          for (int xi = 0; xi < kPoints; ++xi)
            F::store(&u[static_cast<std::size_t>((xi * cin + c) * cout + block * kBlock)],
                     __builtin_convertvector(t[xi], typename F::V));
        }
    });
  });
  return u;
}

// How the products are blocked: NV vectors of output channels by P tiles per register block,
// and the tile rows per band (the band's transformed inputs and products stay in L2).
struct Blocking {
  int nv, p;
  int64_t band_rows, tiles_padded;  // the band's tiles rounded up to whole blocks
};

constexpr int64_t kBandBytes = int64_t{768} << 10;

Blocking make_blocking(const Plan& pl, int points) {
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

// m[t][o] = sum over c of v[t][c] u[c][o] for P tiles t and NV vectors of output channels o, at
// one transform point: v holds the tiles' values in chunks of 16 channels (chunk ch of tile t at
// v[ch chunk_stride + t 16]), u is (C_in, C_out) and m (tiles, C_out).
template <CpuLevel L, int NV, int P>
[[gnu::always_inline]] inline void point_product(const float* v, int64_t chunk_stride, int64_t chunks, const float* u,
                                                 int64_t out_channels, float* m) {
  using V = typename S<L>::V;
  V acc[NV][P] = {};
  for (int64_t ch = 0; ch < chunks; ++ch) {
    const float* x = v + ch * chunk_stride;
    asm("" : "+r"(x));  // one pointer, read at constant displacements
    const float* uc = u + ch * kLanes * out_channels;
#pragma GCC unroll 16
    for (int c = 0; c < kLanes; ++c) {
      V w[NV];
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) w[j] = in_register(S<L>::load(uc + c * out_channels + j * kLanes));
#pragma GCC unroll 32
      for (int p = 0; p < P; ++p) {
        const float a = x[p * kLanes + c];
#pragma GCC unroll 4
        for (int j = 0; j < NV; ++j) acc[j][p] += a * w[j];
      }
    }
  }
  for (int p = 0; p < P; ++p)
    for (int j = 0; j < NV; ++j) S<L>::store(m + p * out_channels + j * kLanes, acc[j][p]);
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

// The products of the band at every transform point, in blocks of NV vectors by P tiles.
template <CpuLevel L, int NV, int P>
[[gnu::always_inline]] inline void band_products(const Plan& pl, int points, int64_t tiles, int64_t tiles_padded,
                                                 const float* v, const float* u, float* m) {
  const int64_t cin = pl.in_channels, cout = pl.out_channels, chunks = cin / kLanes;
  for (int xi = 0; xi < points; ++xi)
    for (int64_t o = 0; o < cout; o += NV * kLanes)
      for (int64_t t = 0; t < tiles; t += P)
        point_product<L, NV, P>(v + (xi * chunks * tiles_padded + t) * kLanes, tiles_padded * kLanes, chunks,
                                u + xi * cin * cout + o, cout, m + (xi * tiles_padded + t) * cout + o);
}

// band_products with the blocking's NV and P.
template <CpuLevel L>
inline void band_products(const Blocking& b, const Plan& pl, int points, int64_t tiles, const float* v, const float* u,
                          float* m) {
  const auto run = [&]<int NV, int P>() { band_products<L, NV, P>(pl, points, tiles, b.tiles_padded, v, u, m); };
  switch (b.nv * 100 + b.p) {
    case 124: return run.template operator()<1, 24>();
    case 116: return run.template operator()<1, 16>();
    case 114: return run.template operator()<1, 14>();
    case 112: return run.template operator()<1, 12>();
    case 212: return run.template operator()<2, 12>();
    case 210: return run.template operator()<2, 10>();
    case 208: return run.template operator()<2, 8>();
    case 207: return run.template operator()<2, 7>();
    case 406: return run.template operator()<4, 6>();
    case 405: return run.template operator()<4, 5>();
    default: return run.template operator()<4, 4>();
  }
}

// Y = A^T m A for the band's tiles, into the staging image (out_h x out_w pixels of C_out
// values); outputs past the last row or column of an odd size are dropped.
template <CpuLevel L, class W>
[[gnu::always_inline]] inline void transform_outputs(const Plan& pl, int64_t row0, int64_t rows, int64_t tiles_padded,
                                                     const float* m, float* staging) {
  using V = typename S<L>::V;
  constexpr int A = W::kTile + W::kKernel - 1, M = W::kTile;
  const int64_t cout = pl.out_channels;
  for (int64_t tr = 0; tr < rows; ++tr)
    for (int64_t tx = 0; tx < pl.tiles_w; ++tx) {
      const int64_t t = tr * pl.tiles_w + tx, oh = M * (row0 + tr), ow = M * tx;
      for (int64_t o = 0; o < cout; o += kLanes) {
        V in[A * A], y[M * M];
        for (int xi = 0; xi < A * A; ++xi) in[xi] = S<L>::load(m + (xi * tiles_padded + t) * cout + o);
        sandwich<W::AT>(in, y);
        for (int i = 0; i < M; ++i)
          for (int j = 0; j < M; ++j)
            if (oh + i < pl.out_h && ow + j < pl.out_w)
              S<L>::store(staging + ((oh + i) * pl.out_w + ow + j) * cout + o, y[i * M + j]);
      }
    }
}

// One image of the plan: x (C_in, in_h, in_w) -> y (C_out, out_h, out_w).
template <CpuLevel L, class W>
[[gnu::always_inline]] inline void convolve_image(const float* x, const std::vector<float>& u, const float* bias,
                                                  const Plan& pl, const Blocking& b, const std::vector<int64_t>& at,
                                                  const Buffers& buf, float* y) {
  constexpr int kPoints = kPointsOf<W>;
  to_channels_last<L>(x, pl.in_channels, pl.in_plane(), at.data(), buf.padded);
  for (int64_t row0 = 0; row0 < pl.tiles_h; row0 += b.band_rows) {
    const int64_t rows = std::min(b.band_rows, pl.tiles_h - row0);
    transform_inputs<L, W>(pl, row0, rows, b.tiles_padded, buf.padded, buf.v);
    band_products<L>(b, pl, kPoints, rows * pl.tiles_w, buf.v, u.data(), buf.m);
    transform_outputs<L, W>(pl, row0, rows, b.tiles_padded, buf.m, buf.staging);
  }
  to_channels_first<L>(buf.staging, pl.out_channels, pl.out_plane(), bias, y);
}

template <class W>
void convolve(const float* input, const float* weight, const float* bias, float* output, const ConvGeometry& g,
              bool input_gradient) {
  constexpr int R = W::kKernel, kPoints = kPointsOf<W>;
  const Plan pl = make_plan(g, input_gradient, W::kTile);
  const std::vector<float> u = transformed_weights<W>(weight, pl, input_gradient);
  const Blocking b = make_blocking(pl, kPoints);
  std::vector<int64_t> at(static_cast<std::size_t>(pl.in_plane()));  // pixel -> place in the padded copy
  for (int64_t h = 0; h < pl.in_h; ++h)
    for (int64_t w = 0; w < pl.in_w; ++w)
      at[static_cast<std::size_t>(h * pl.in_w + w)] = (h + pl.pad_top) * pl.padded_w + w + pl.pad_left;
  const int64_t padded_size = pl.padded_h * pl.padded_w * pl.in_channels;
  const int64_t v_size = kPoints * pl.in_channels * b.tiles_padded, m_size = kPoints * pl.out_channels * b.tiles_padded;
  const int64_t work = pl.batch * pl.in_channels * pl.out_channels * pl.out_plane() * R * R;
  parallel_ranges(pl.batch, 1, work, kParallelMultiplyAdds, [&](int64_t begin, int64_t end) {
    ScratchBuffer<float> padded(padded_size), v(v_size), m(m_size), staging(pl.out_plane() * pl.out_channels);
    std::fill_n(padded.data(), padded_size, 0.0f);  // the padding stays zero; the image is rewritten
    // The products also read each band's padding tiles (up to a whole block): zeros, written
    // once. A shorter last band leaves tiles of the band before it, also finite.
    for (int64_t row = 0; row < kPoints * pl.in_channels / kLanes; ++row)
      std::fill(v.data() + (row * b.tiles_padded + b.band_rows * pl.tiles_w) * kLanes,
                v.data() + (row + 1) * b.tiles_padded * kLanes, 0.0f);
    const Buffers buf{padded.data(), v.data(), m.data(), staging.data()};
    at_level<CpuLevel::avx512>([&]<CpuLevel L>() {
      for (int64_t n = begin; n < end; ++n)
        convolve_image<L, W>(input + n * pl.in_channels * pl.in_plane(), u, bias, pl, b, at, buf,
                             output + n * pl.out_channels * pl.out_plane());
    });
  });
}

// The tile size m of a product: 4 x 4 for 3 x 3 kernels where it computes at most a tenth more
// outputs than 2 x 2 tiles would (not 14 x 14: 256 against 196) and, for the forward and the
// input gradient, both channel counts are 32 or more; else 2 x 2. F(4, 3) needs 2.25 multiplies
// per output against F(2, 3)'s 4, but its transforms (6 x 6 against 4 x 4 per tile) cost more
// per output: measured at one thread, 128 images, ResNet's 64-channel layer's forward went
// 2.99 -> 2.54 ms and its 16-channel layer's 3.65 -> 4.45; the weight gradient, whose output
// transform is per kernel, not per tile, gained on both (4.04 -> 3.01 ms on 16 channels).
// F(4, 5)'s 8 x 8 tiles would lose too much precision: 5 x 5 kernels take 2 x 2.
int64_t tile_for(const ConvGeometry& g, int64_t h, int64_t w, bool weight_gradient) {
  if (g.kernel_h != 3) return 2;
  if (!weight_gradient && std::min(g.in_channels, g.out_channels) < 32) return 2;
  const auto covered = [&](int64_t m) { return (h + m - 1) / m * m * ((w + m - 1) / m * m); };
  return 10 * covered(4) <= 11 * covered(2) ? 4 : 2;
}

void convolve(const float* input, const float* weight, const float* bias, float* output, const ConvGeometry& g,
              bool input_gradient) {
  const int64_t tile = conv_winograd_tile(g, input_gradient ? ConvProduct::input_gradient : ConvProduct::forward);
  if (g.kernel_h == 5) return convolve<F2x5>(input, weight, bias, output, g, input_gradient);
  if (tile == 4) return convolve<F4x3>(input, weight, bias, output, g, input_gradient);
  convolve<F2x3>(input, weight, bias, output, g, input_gradient);
}

// The weight gradient. Per image: x and dy channels-last; then per band the input transform
// (as the forward's), dm = A dy A^T for each tile's 2 x 2 block of dy, and at each transform
// point dU[o][c] += sum over the band's tiles of dm[t][o] v[t][c]. The images go in groups whose
// size is set by the batch alone; each group's dU is summed by one thread into a partial of its
// own, and the partials are added in group order (an ordered region), so the bits do not depend
// on the thread count. Last, dw = G^T dU G for every kernel, in double.

// dm[(xi tiles_padded + t) C_out + o] = (A dy A^T)[xi] for the band's tiles, from dy in rows of
// 2 tiles_w pixels of C_out values (zeros past the last row and column).
template <CpuLevel L, class W>
[[gnu::always_inline]] inline void transform_gradients(const Plan& pl, int64_t row0, int64_t rows, int64_t tiles_padded,
                                                       const float* dy_tiles, float* dm) {
  using V = typename S<L>::V;
  constexpr int A = W::kTile + W::kKernel - 1, M = W::kTile;
  const int64_t cout = pl.out_channels, pitch = M * pl.tiles_w;
  for (int64_t tr = 0; tr < rows; ++tr)
    for (int64_t tx = 0; tx < pl.tiles_w; ++tx) {
      const int64_t t = tr * pl.tiles_w + tx;
      const float* corner = dy_tiles + (M * (row0 + tr) * pitch + M * tx) * cout;
      for (int64_t o = 0; o < cout; o += kLanes) {
        V d[M * M], out[A * A];
        for (int i = 0; i < M; ++i)
          for (int j = 0; j < M; ++j) d[i * M + j] = S<L>::load(corner + (i * pitch + j) * cout + o);
        sandwich<Adjoints<W>::A>(d, out);
        for (int xi = 0; xi < A * A; ++xi) S<L>::store(dm + (xi * tiles_padded + t) * cout + o, out[xi]);
      }
    }
}

// du[o][c] += sum over tiles t < tiles of dm[t][o] v[t][c] at one transform point, for P output
// channels o by NV vectors of input channels c: dm is (tiles, C_out) from column o, v the
// tiles' values in chunks of 16 channels (chunk_stride apart), du (C_out, C_in) from row o.
template <CpuLevel L, int P, int NV>
[[gnu::always_inline]] inline void gradient_product(const float* dm, int64_t out_channels, const float* v,
                                                    int64_t chunk_stride, int64_t tiles, float* du,
                                                    int64_t in_channels) {
  using V = typename S<L>::V;
  V acc[P][NV];
  for (int p = 0; p < P; ++p)
    for (int j = 0; j < NV; ++j) acc[p][j] = S<L>::load(du + p * in_channels + j * kLanes);
  for (int64_t t = 0; t < tiles; ++t) {
    V x[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) x[j] = S<L>::load(v + j * chunk_stride + t * kLanes);
    const float* d = dm + t * out_channels;
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      const float a = d[p];
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[p][j] += a * x[j];
    }
  }
  for (int p = 0; p < P; ++p)
    for (int j = 0; j < NV; ++j) S<L>::store(du + p * in_channels + j * kLanes, acc[p][j]);
}

// The band's products at every transform point into du (points, C_out, C_in): blocks of 8
// output channels by 2 vectors of input channels, or 16 by 1 where the chunks are odd.
template <CpuLevel L>
[[gnu::always_inline]] inline void band_gradient_products(const Plan& pl, int points, int64_t tiles,
                                                          int64_t tiles_padded, const float* dm, const float* v,
                                                          float* du) {
  const int64_t cin = pl.in_channels, cout = pl.out_channels, chunks = cin / kLanes;
  const auto run = [&]<int P, int NV>() {
    for (int xi = 0; xi < points; ++xi)
      for (int64_t o = 0; o < cout; o += P)
        for (int64_t ch = 0; ch < chunks; ch += NV)
          gradient_product<L, P, NV>(dm + xi * tiles_padded * cout + o, cout,
                                     v + (xi * chunks + ch) * tiles_padded * kLanes, tiles_padded * kLanes, tiles,
                                     du + (xi * cout + o) * cin + ch * kLanes, cin);
  };
  if (chunks % 2 == 0) return run.template operator()<8, 2>();
  run.template operator()<16, 1>();
}

// One image's terms of dU (points, C_out, C_in), added to du.
template <CpuLevel L, class W>
[[gnu::always_inline]] inline void gradient_image(const float* x, const float* dy, const Plan& pl, const Blocking& b,
                                                  const std::vector<int64_t>& at, const std::vector<int64_t>& dy_at,
                                                  const Buffers& buf, float* du) {
  constexpr int kPoints = kPointsOf<W>;
  to_channels_last<L>(x, pl.in_channels, pl.in_plane(), at.data(), buf.padded);
  to_channels_last<L>(dy, pl.out_channels, pl.out_plane(), dy_at.data(), buf.staging);
  for (int64_t row0 = 0; row0 < pl.tiles_h; row0 += b.band_rows) {
    const int64_t rows = std::min(b.band_rows, pl.tiles_h - row0);
    transform_inputs<L, W>(pl, row0, rows, b.tiles_padded, buf.padded, buf.v);
    transform_gradients<L, W>(pl, row0, rows, b.tiles_padded, buf.staging, buf.m);
    band_gradient_products<L>(pl, kPoints, rows * pl.tiles_w, b.tiles_padded, buf.m, buf.v, du);
  }
}

// At least this many groups of images, so that two threads share a small batch.
constexpr int64_t kMinGradientGroups = 8;

// dw (C_out, C_in, r, r) = G^T dU G for every kernel, in double, rounded once; output channels
// split over threads.
template <class W>
void kernels_from_points(const std::vector<float>& du, const Plan& pl, float* weight_grad) {
  constexpr int R = W::kKernel, kPoints = kPointsOf<W>;
  const int64_t cin = pl.in_channels, cout = pl.out_channels;
  const int64_t work = cout * cin * kPoints * R * 4;
  parallel_ranges(cout, 1, work, kParallelMultiplyAdds / 16, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o)
      for (int64_t c = 0; c < cin; ++c) {
        double points[kPoints], k[R * R];
        for (int xi = 0; xi < kPoints; ++xi) points[xi] = du[static_cast<std::size_t>((xi * cout + o) * cin + c)];
        sandwich<Adjoints<W>::GT>(points, k);
        for (int i = 0; i < R * R; ++i) weight_grad[(o * cin + c) * R * R + i] = static_cast<float>(k[i]);
      }
  });
}

template <class W>
void weight_gradient(const float* input, const float* output_grad, float* weight_grad, float* bias_grad,
                     const ConvGeometry& g) {
  constexpr int R = W::kKernel, kPoints = kPointsOf<W>;
  const Plan pl = make_plan(g, false, W::kTile);
  const Blocking b = make_blocking(pl, kPoints);
  std::vector<int64_t> at(static_cast<std::size_t>(pl.in_plane())), dy_at(static_cast<std::size_t>(pl.out_plane()));
  for (int64_t h = 0; h < pl.in_h; ++h)
    for (int64_t w = 0; w < pl.in_w; ++w)
      at[static_cast<std::size_t>(h * pl.in_w + w)] = (h + pl.pad_top) * pl.padded_w + w + pl.pad_left;
  for (int64_t h = 0; h < pl.out_h; ++h)
    for (int64_t w = 0; w < pl.out_w; ++w)
      dy_at[static_cast<std::size_t>(h * pl.out_w + w)] = h * pl.tile * pl.tiles_w + w;
  const int64_t du_size = kPoints * pl.in_channels * pl.out_channels;
  const int64_t padded_size = pl.padded_h * pl.padded_w * pl.in_channels;
  const int64_t dy_size = pl.tile * pl.tiles_h * pl.tile * pl.tiles_w * pl.out_channels;
  const int64_t v_size = kPoints * pl.in_channels * b.tiles_padded, m_size = kPoints * pl.out_channels * b.tiles_padded;
  const int64_t group = std::max<int64_t>(1, (pl.batch + kMinGradientGroups - 1) / kMinGradientGroups);
  const int64_t groups = (pl.batch + group - 1) / group;
  std::vector<float> du(static_cast<std::size_t>(du_size), 0.0f);
  std::vector<double> image_sums(static_cast<std::size_t>(bias_grad ? pl.batch * pl.out_channels : 0));
  const int64_t work = pl.batch * pl.in_channels * pl.out_channels * pl.out_plane() * R * R;
  const int threads =
      work >= kParallelMultiplyAdds ? static_cast<int>(std::min<int64_t>(omp_get_max_threads(), groups)) : 1;
#pragma omp parallel num_threads(threads)
  {
    ScratchBuffer<float> padded(padded_size), v(v_size), m(m_size), dy_tiles(dy_size), partial(du_size);
    std::fill_n(padded.data(), padded_size, 0.0f);  // the padding stays zero; the image is rewritten
    std::fill_n(dy_tiles.data(), dy_size, 0.0f);    // so do the cut tiles' missing outputs
    const Buffers buf{padded.data(), v.data(), m.data(), dy_tiles.data()};
    at_level<CpuLevel::avx512>([&]<CpuLevel L>() {
#pragma omp for ordered schedule(static, 1)
      for (int64_t index = 0; index < groups; ++index) {
        std::fill_n(partial.data(), du_size, 0.0f);
        for (int64_t n = index * group; n < std::min(pl.batch, (index + 1) * group); ++n) {
          const float* dy = output_grad + n * pl.out_channels * pl.out_plane();
          gradient_image<L, W>(input + n * pl.in_channels * pl.in_plane(), dy, pl, b, at, dy_at, buf, partial.data());
          if (bias_grad) image_channel_sums(dy, pl.out_channels, pl.out_plane(), &image_sums[n * pl.out_channels]);
        }
#pragma omp ordered
        for (int64_t i = 0; i < du_size; ++i) du[i] += partial.data()[i];
      }
    });
  }
  kernels_from_points<W>(du, pl, weight_grad);
  if (bias_grad) add_image_sums(image_sums, pl.batch, pl.out_channels, bias_grad);
}

void weight_gradient(const float* input, const float* output_grad, float* weight_grad, float* bias_grad,
                     const ConvGeometry& g) {
  if (g.kernel_h == 5) return weight_gradient<F2x5>(input, output_grad, weight_grad, bias_grad, g);
  if (conv_winograd_tile(g, ConvProduct::weight_gradient) == 4)
    return weight_gradient<F4x3>(input, output_grad, weight_grad, bias_grad, g);
  weight_gradient<F2x3>(input, output_grad, weight_grad, bias_grad, g);
}

}  // namespace

int64_t conv_winograd_tile(const ConvGeometry& g, ConvProduct product) {
  if (product == ConvProduct::input_gradient) return tile_for(g, g.in_h, g.in_w, false);
  return tile_for(g, g.out_h, g.out_w, product == ConvProduct::weight_gradient);
}

template <class T>
bool conv_winograd_applies(const ConvGeometry& g) {
  if (!std::is_same_v<T, float> || cpu_level() != CpuLevel::avx512) return false;
  if (g.stride_h != 1 || g.stride_w != 1 || g.dilation_h != 1 || g.dilation_w != 1 || g.groups != 1) return false;
  if (g.kernel_h != g.kernel_w || (g.kernel_h != 3 && g.kernel_h != 5)) return false;
  if (g.in_channels % kLanes != 0 || g.out_channels % kLanes != 0) return false;
  const int64_t pad_bottom = g.out_h + g.kernel_h - 1 - g.in_h - g.pad_top;
  const int64_t pad_right = g.out_w + g.kernel_w - 1 - g.in_w - g.pad_left;
  return g.pad_top >= 0 && g.pad_top < g.kernel_h && g.pad_left >= 0 && g.pad_left < g.kernel_w && pad_bottom >= 0 &&
         pad_bottom < g.kernel_h && pad_right >= 0 && pad_right < g.kernel_w;
}

template <class T>
void conv_forward_winograd(const T* input, const T* weight, T* output, const ConvGeometry& g, int64_t /*buffer_bytes*/,
                           const T* bias) {
  if constexpr (std::is_same_v<T, float>) convolve(input, weight, bias, output, g, false);
}

template <class T>
void conv_backward_input_winograd(const T* output_grad, const T* weight, T* input_grad, const ConvGeometry& g,
                                  int64_t /*buffer_bytes*/) {
  if constexpr (std::is_same_v<T, float>) convolve(output_grad, weight, nullptr, input_grad, g, true);
}

template <class T>
void conv_backward_weight_winograd(const T* input, const T* output_grad, T* weight_grad, const ConvGeometry& g,
                                   int64_t /*buffer_bytes*/, T* bias_grad) {
  if constexpr (std::is_same_v<T, float>) weight_gradient(input, output_grad, weight_grad, bias_grad, g);
}

template bool conv_winograd_applies<float>(const ConvGeometry&);
template bool conv_winograd_applies<double>(const ConvGeometry&);
template void conv_forward_winograd<float>(const float*, const float*, float*, const ConvGeometry&, int64_t,
                                           const float*);
template void conv_forward_winograd<double>(const double*, const double*, double*, const ConvGeometry&, int64_t,
                                            const double*);
template void conv_backward_input_winograd<float>(const float*, const float*, float*, const ConvGeometry&, int64_t);
template void conv_backward_input_winograd<double>(const double*, const double*, double*, const ConvGeometry&, int64_t);
template void conv_backward_weight_winograd<float>(const float*, const float*, float*, const ConvGeometry&, int64_t,
                                                   float*);
template void conv_backward_weight_winograd<double>(const double*, const double*, double*, const ConvGeometry&, int64_t,
                                                    double*);

}  // namespace descent::kernels
