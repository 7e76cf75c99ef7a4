// The Winograd weight gradient of conv_winograd.hpp: dw = G^T [sum over tiles of (A dy A^T) (.)
// (B^T d B)] G for each kernel, with the forward's input transform (winograd_layout.hpp).
#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <vector>

#include <omp.h>

#include "descent/kernels/bias_sums.hpp"
#include "descent/kernels/conv_winograd.hpp"
#include "descent/kernels/cpu_dispatch.hpp"
#include "descent/kernels/parallel.hpp"
#include "descent/kernels/scratch.hpp"
#include "descent/kernels/simd.hpp"
#include "descent/kernels/winograd_layout.hpp"

namespace descent::kernels {
namespace winograd_detail {
namespace {

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
  // x into the zero-padded copy; dy into rows of m tiles_w pixels, zeros past its last row and column.
  const std::vector<int64_t> at = pixel_places(pl.in_h, pl.in_w, pl.padded_w, pl.pad_top, pl.pad_left);
  const std::vector<int64_t> dy_at = pixel_places(pl.out_h, pl.out_w, pl.tile * pl.tiles_w, 0, 0);
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
}  // namespace winograd_detail

template <class T>
void conv_backward_weight_winograd(const T* input, const T* output_grad, T* weight_grad, const ConvGeometry& g,
                                   int64_t /*buffer_bytes*/, T* bias_grad) {
  if constexpr (std::is_same_v<T, float>)
    winograd_detail::weight_gradient(input, output_grad, weight_grad, bias_grad, g);
}

template void conv_backward_weight_winograd<float>(const float*, const float*, float*, const ConvGeometry&, int64_t,
                                                   float*);
template void conv_backward_weight_winograd<double>(const double*, const double*, double*, const ConvGeometry&, int64_t,
                                                    double*);

}  // namespace descent::kernels
