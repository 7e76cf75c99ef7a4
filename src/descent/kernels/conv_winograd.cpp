// The Winograd forward and input gradient of conv_winograd.hpp. Per image: the input into a
// channels-last, zero-padded copy; then in bands of tile rows, the input transform (vectors of
// channels), one matrix product per transform point (register blocks of tiles by vectors of
// output channels), and the output transform into a channels-last staging image; last, the
// staging image is transposed into the NCHW output, with the bias. The weight gradient is in
// conv_winograd_gradient.cpp; what both use, in winograd_layout.hpp.
#include "descent/kernels/conv_winograd.hpp"

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <vector>

#include "descent/kernels/cpu_dispatch.hpp"
#include "descent/kernels/parallel.hpp"
#include "descent/kernels/scratch.hpp"
#include "descent/kernels/simd.hpp"
#include "descent/kernels/winograd_layout.hpp"

namespace descent::kernels {
namespace winograd_detail {
namespace {

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
  const std::vector<int64_t> at = pixel_places(pl.in_h, pl.in_w, pl.padded_w, pl.pad_top, pl.pad_left);
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

}  // namespace
}  // namespace winograd_detail

int64_t conv_winograd_tile(const ConvGeometry& g, ConvProduct product) {
  if (product == ConvProduct::input_gradient) return winograd_detail::tile_for(g, g.in_h, g.in_w, false);
  return winograd_detail::tile_for(g, g.out_h, g.out_w, product == ConvProduct::weight_gradient);
}

template <class T>
bool conv_winograd_applies(const ConvGeometry& g) {
  if (!std::is_same_v<T, float> || cpu_level() != CpuLevel::avx512) return false;
  if (g.stride_h != 1 || g.stride_w != 1 || g.dilation_h != 1 || g.dilation_w != 1 || g.groups != 1) return false;
  if (g.kernel_h != g.kernel_w || (g.kernel_h != 3 && g.kernel_h != 5)) return false;
  if (g.in_channels % winograd_detail::kLanes != 0 || g.out_channels % winograd_detail::kLanes != 0) return false;
  const int64_t pad_bottom = g.out_h + g.kernel_h - 1 - g.in_h - g.pad_top;
  const int64_t pad_right = g.out_w + g.kernel_w - 1 - g.in_w - g.pad_left;
  return g.pad_top >= 0 && g.pad_top < g.kernel_h && g.pad_left >= 0 && g.pad_left < g.kernel_w && pad_bottom >= 0 &&
         pad_bottom < g.kernel_h && pad_right >= 0 && pad_right < g.kernel_w;
}

template <class T>
void conv_forward_winograd(const T* input, const T* weight, T* output, const ConvGeometry& g, int64_t /*buffer_bytes*/,
                           const T* bias) {
  if constexpr (std::is_same_v<T, float>) winograd_detail::convolve(input, weight, bias, output, g, false);
}

template <class T>
void conv_backward_input_winograd(const T* output_grad, const T* weight, T* input_grad, const ConvGeometry& g,
                                  int64_t /*buffer_bytes*/) {
  if constexpr (std::is_same_v<T, float>) winograd_detail::convolve(output_grad, weight, nullptr, input_grad, g, true);
}

template bool conv_winograd_applies<float>(const ConvGeometry&);
template bool conv_winograd_applies<double>(const ConvGeometry&);
template void conv_forward_winograd<float>(const float*, const float*, float*, const ConvGeometry&, int64_t,
                                           const float*);
template void conv_forward_winograd<double>(const double*, const double*, double*, const ConvGeometry&, int64_t,
                                            const double*);
template void conv_backward_input_winograd<float>(const float*, const float*, float*, const ConvGeometry&, int64_t);
template void conv_backward_input_winograd<double>(const double*, const double*, double*, const ConvGeometry&, int64_t);

}  // namespace descent::kernels
