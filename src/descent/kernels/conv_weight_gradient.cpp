// The direct weight gradient (conv_direct.hpp), in tiles of images that stay in a core's
// second-level cache, two ways: blocks of output channels by taps in vectors along the padded
// outputs, or (AVX-512) blocks of vectors of output channels by taps, one output at a time.
#include <omp.h>

#include <algorithm>
#include <vector>

#include "descent/core/threads.hpp"
#include "descent/kernels/bias_sums.hpp"
#include "descent/kernels/conv_layout.hpp"
#include "descent/kernels/cpu_dispatch.hpp"
#include "descent/kernels/parallel.hpp"
#include "descent/kernels/scratch.hpp"
#include "descent/kernels/simd.hpp"

namespace descent::kernels::conv_detail {

namespace {

// The weight gradient's register block: acc[o][k] += sum over q of dy[o][q] x[offsets[k] + q],
// for MO output channels and MK taps, in vectors along q.
template <int MO, int MK, class S, class T>
inline void gradient_block(const T* dy, int64_t q_end, const T* x, const int64_t* offsets,
                           typename S::V (&acc)[MO][MK]) {
  using V = typename S::V;
  constexpr int64_t lanes = S::kLanes;
  for (int64_t q = 0; q < q_end; q += lanes) {
    V d[MO];
#pragma GCC unroll 8
    for (int o = 0; o < MO; ++o) d[o] = S::load(dy + o * q_end + q);
#pragma GCC unroll 8
    for (int k = 0; k < MK; ++k) {
      const V b = S::load(x + offsets[k] + q);
#pragma GCC unroll 8
      for (int o = 0; o < MO; ++o) acc[o][k] += d[o] * b;
    }
  }
}

// What the weight gradient's blocks read: a tile of padded images and of output gradients laid
// out as (C_out, padded_outputs), zero in the discarded columns.
template <class T>
struct GradientTile {
  const ConvGeometry& g;
  const Shifted& s;
  const std::vector<int64_t>& offsets;
  const T* padded;  // `count` padded images
  const T* dy;      // `count` gradients
  int64_t count;
  bool channels_last;  // dy as (out_h out_w, C_out) for the blocks along channels
  int64_t image_elements() const { return s.image_elements(); }
  int64_t dy_elements() const { return dy_elements(g, s, channels_last); }
  static int64_t dy_elements(const ConvGeometry& g, const Shifted& s, bool channels_last) {
    return g.out_channels * (channels_last ? g.out_plane() : s.padded_outputs);
  }
};

// dw[o][k] = the tile's sum for MO channels from o and MK taps from k.
template <int MO, int MK, class S, class T>
void gradient_job(const GradientTile<T>& t, int64_t o, int64_t k, T* dw) {
  typename S::V acc[MO][MK] = {};
  for (int64_t n = 0; n < t.count; ++n)
    gradient_block<MO, MK, S>(t.dy + n * t.dy_elements() + o * t.s.padded_outputs, t.s.padded_outputs,
                              t.padded + n * t.image_elements(), t.offsets.data() + k, acc);
  const int64_t taps = t.g.group_rows();
  for (int i = 0; i < MO; ++i)
    for (int j = 0; j < MK; ++j) dw[(o + i) * taps + k + j] = S::sum(acc[i][j]);
}

// The tile's blocks: MO x MK, the ragged edges in blocks of their own sizes. Job `job` of
// jobs() covers a fixed block, whatever the thread count.
template <int MO, int MK>
struct GradientJobs {
  int64_t channels, taps;
  int64_t channel_blocks() const { return (channels + MO - 1) / MO; }
  int64_t tap_blocks() const { return (taps + MK - 1) / MK; }
  int64_t jobs() const { return channel_blocks() * tap_blocks(); }

  template <class S, class T>
  void run(int64_t job, const GradientTile<T>& t, T* dw) const {
    const int64_t o = job / tap_blocks() * MO, k = job % tap_blocks() * MK;
    with_block_size<MO>(std::min<int64_t>(MO, channels - o), [&]<int HO>() {
      with_block_size<MK>(std::min<int64_t>(MK, taps - k), [&]<int HK>() { gradient_job<HO, HK, S>(t, o, k, dw); });
    });
  }
};

// The weight gradient along output channels (AVX-512, C_out a multiple of two vectors, 3 x 3
// and 5 x 5 kernels): a register block is NV vectors of channels times the KW taps of HR
// kernel rows of one input channel, summed over the tile's outputs one at a time (each
// output's NV gradient vectors loaded once, each input value broadcast once), so no discarded
// columns are summed.
template <int NV, int HR, int KW, class S, class T>
void channel_gradient_job(const GradientTile<T>& t, int64_t o, int64_t c, int64_t i0, T* dw) {
  using V = typename S::V;
  constexpr int64_t lanes = S::kLanes;
  const ConvGeometry& g = t.g;
  V acc[HR * KW][NV] = {};
  for (int64_t n = 0; n < t.count; ++n) {
    const T* x = t.padded + n * t.image_elements() + c * t.s.plane() + i0 * t.s.pitch;
    const T* dy = t.dy + n * t.dy_elements() + o;
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        V d[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) d[v] = in_register(S::load(dy + (oh * g.out_w + ow) * g.out_channels + v * lanes));
#pragma GCC unroll 4
        for (int r = 0; r < HR; ++r) {
          const T* xr = x + (oh * g.stride_h + r) * t.s.pitch + ow * g.stride_w;
          asm("" : "+r"(xr));  // one pointer per kernel row, read at constant displacements
#pragma GCC unroll 8
          for (int j = 0; j < KW; ++j) {
            const T a = xr[j];  // scalar times vector: one broadcast at every level
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[r * KW + j][v] += a * d[v];
          }
        }
      }
  }
  const int64_t taps = g.group_rows();
  for (int k = 0; k < HR * KW; ++k)
    for (int v = 0; v < NV; ++v)
      for (int64_t lane = 0; lane < lanes; ++lane)
        dw[(o + v * lanes + lane) * taps + (c * g.kernel_h + i0 + k / KW) * KW + k % KW] = acc[k][v][lane];
}

// The blocks along channels: NV vectors of channels x (input channel, R kernel rows), the last
// rows of each channel's kernel in a block of their own height.
template <int NV, int R, int KW>
struct ChannelGradientJobs {
  int64_t channel_blocks, in_channels, kernel_h;
  int64_t row_blocks() const { return (kernel_h + R - 1) / R; }
  int64_t jobs() const { return channel_blocks * in_channels * row_blocks(); }

  template <class S, class T>
  void run(int64_t job, const GradientTile<T>& t, T* dw) const {
    const int64_t per_block = in_channels * row_blocks(), o = job / per_block * NV * S::kLanes;
    const int64_t c = job % per_block / row_blocks(), i0 = job % row_blocks() * R;
    with_block_size<R>(std::min<int64_t>(R, kernel_h - i0),
                       [&]<int HR>() { channel_gradient_job<NV, HR, KW, S>(t, o, c, i0, dw); });
  }
};

// Vectors of channels per block of the weight gradient along channels, or 0 where the blocks
// along pixels are used: one, two or four vectors of AVX-512's, for 3 x 3 and 5 x 5 kernels.
template <class T>
int channel_gradient_vectors(const ConvGeometry& g) {
  if (cpu_level() != CpuLevel::avx512 || g.kernel_h > 5 || (g.kernel_w != 3 && g.kernel_w != 5)) return 0;
  const int64_t lanes = 64 / int64_t{sizeof(T)};
  return g.out_channels % (4 * lanes) == 0   ? 4
         : g.out_channels % (2 * lanes) == 0 ? 2
         : g.out_channels % lanes == 0       ? 1
                                             : 0;
}

// dy (C_out, out_h out_w) of one image transposed into (out_h out_w, C_out).
template <class T>
void transpose_gradient(const T* dy, const ConvGeometry& g, T* out) {
  const int64_t plane = g.out_plane();
  for (int64_t p = 0; p < plane; ++p)
    for (int64_t o = 0; o < g.out_channels; ++o) out[p * g.out_channels + o] = dy[o * plane + p];
}

// dy (C_out, out_h, out_w) of one image into (C_out, padded_outputs), zeros elsewhere.
template <class T>
void spread_gradient(const T* dy, const ConvGeometry& g, const Shifted& s, T* out) {
  zero_values(out, g.out_channels * s.padded_outputs);
  for (int64_t o = 0; o < g.out_channels; ++o)
    for (int64_t h = 0; h < g.out_h; ++h)
      copy_values(out + o * s.padded_outputs + h * s.pitch, dy + (o * g.out_h + h) * g.out_w, g.out_w);
}

// How many images' padded copies and gradients fit in `buffer_bytes`, or in kGradientTileBytes
// if less: at least one. Every block of the weight gradient reads the whole tile, so a tile
// that stays in a core's second-level cache is read from there.
inline constexpr int64_t kGradientTileBytes = int64_t{768} << 10;

template <class T>
int64_t gradient_tile_images(const ConvGeometry& g, const Shifted& s, bool channels_last, int64_t buffer_bytes) {
  buffer_bytes = std::min(buffer_bytes, kGradientTileBytes);
  const int64_t per_image =
      (s.image_elements() + GradientTile<T>::dy_elements(g, s, channels_last)) * int64_t{sizeof(T)};
  return std::clamp<int64_t>(buffer_bytes / per_image, 1, std::max<int64_t>(g.batch, 1));
}

// The tile's images padded and their gradients laid out, images [begin, end) of it.
template <class T>
void prepare_tile(const T* input, const T* output_grad, int64_t first, int64_t begin, int64_t end,
                  const GradientTile<T>& t, T* padded, T* spread, double* image_sums) {
  const ConvGeometry& g = t.g;
  for (int64_t i = begin; i < end; ++i) {
    pad_image(input + (first + i) * g.in_channels * g.in_plane(), g, t.s, padded + i * t.image_elements());
    const T* dy = output_grad + (first + i) * g.out_channels * g.out_plane();
    if (image_sums) image_channel_sums(dy, g.out_channels, g.out_plane(), image_sums + (first + i) * g.out_channels);
    if (t.channels_last) {
      transpose_gradient(dy, g, spread + i * t.dy_elements());
    } else {
      spread_gradient(dy, g, t.s, spread + i * t.dy_elements());
    }
  }
}

// run_tiles with the blocks along channels: `vectors` of them by the rows of a 3 x 3 or 5 x 5
// kernel that keep a block within 24 accumulators.
template <class T, CpuLevel L, class RunTiles>
void run_channel_tiles(const RunTiles& run_tiles, int vectors, const ConvGeometry& g) {
  const int64_t lanes = kVectorBytes<L> / int64_t{sizeof(T)};
  const int64_t blocks = g.out_channels / (vectors * lanes);
  if (vectors == 4) {
    if (g.kernel_w == 3) return run_tiles(ChannelGradientJobs<4, 2, 3>{blocks, g.in_channels, g.kernel_h});
    return run_tiles(ChannelGradientJobs<4, 1, 5>{blocks, g.in_channels, g.kernel_h});
  }
  if (vectors == 2) {
    if (g.kernel_w == 3) return run_tiles(ChannelGradientJobs<2, 3, 3>{blocks, g.in_channels, g.kernel_h});
    return run_tiles(ChannelGradientJobs<2, 2, 5>{blocks, g.in_channels, g.kernel_h});
  }
  if (g.kernel_w == 3) return run_tiles(ChannelGradientJobs<1, 3, 3>{blocks, g.in_channels, g.kernel_h});
  run_tiles(ChannelGradientJobs<1, 5, 5>{blocks, g.in_channels, g.kernel_h});
}

}  // namespace

// Tiles split over threads (at least kMinGradientTiles of them, so two or more threads share
// a small batch), each prepared and summed whole by one thread into a partial weight gradient
// of its own (every element written once by its block), the partials added to dw in tile order (an ordered region): the
// bits of adding each tile's sums into dw one tile after the other, whatever the thread count, with no barrier between
// a tile's preparation and its blocks.
inline constexpr int64_t kMinGradientTiles = 8;

template <class T>
void direct_weight_gradient(const T* input, const T* output_grad, T* weight_grad, T* bias_grad, const ConvGeometry& g,
                            int64_t buffer_bytes) {
  const Shifted s(g, sizeof(T));
  const std::vector<int64_t> offsets = s.tap_offsets(g);
  const int vectors = channel_gradient_vectors<T>(g);
  const int64_t taps = g.group_rows(), weights = g.out_channels * taps;
  const int64_t tile = std::min(gradient_tile_images<T>(g, s, vectors > 0, buffer_bytes),
                                std::max<int64_t>(1, (g.batch + kMinGradientTiles - 1) / kMinGradientTiles));
  const int64_t tiles = (g.batch + tile - 1) / tile, dy_elements = GradientTile<T>::dy_elements(g, s, vectors > 0);
  std::fill_n(weight_grad, weights, T(0));
  std::vector<double> image_sums(static_cast<std::size_t>(bias_grad ? g.batch * g.out_channels : 0));
  double* sums = bias_grad ? image_sums.data() : nullptr;
  const int64_t work = g.batch * g.out_channels * taps * s.padded_outputs;
  const int threads =
      work >= kParallelMultiplyAdds ? static_cast<int>(std::min<int64_t>(omp_get_max_threads(), tiles)) : 1;
#pragma omp parallel num_threads(threads)
  {
    ScratchBuffer<T> padded(tile * s.image_elements()), spread(tile * dy_elements), partial(weights);
    at_cpu_level([&]<CpuLevel L>() {
      auto run_tiles = [&](const auto& jobs) {
#pragma omp for ordered schedule(static, 1)
        for (int64_t index = 0; index < tiles; ++index) {
          const int64_t first = index * tile;
          const GradientTile<T> t{g,          s, offsets, padded.data(), spread.data(), std::min(tile, g.batch - first),
                                  vectors > 0};
          prepare_tile(input, output_grad, first, 0, t.count, t, padded.data(), spread.data(), sums);
          for (int64_t job = 0; job < jobs.jobs(); ++job)
            jobs.template run<Simd<T, kVectorBytes<L>>>(job, t, partial.data());
#pragma omp ordered
          add_values(weight_grad, partial.data(), weights);
        }
      };
      // Blocks of 4 channels x 6 taps, or 6 x 4 where the channels are not a multiple of 4
      // (LeNet-5's 6), so that the edge is not a block one or two channels high.
      if constexpr (L == CpuLevel::avx512) {
        if (vectors > 0) return run_channel_tiles<T, L>(run_tiles, vectors, g);
        if (g.out_channels % 4 != 0) return run_tiles(GradientJobs<6, 4>{g.out_channels, taps});
        return run_tiles(GradientJobs<4, 6>{g.out_channels, taps});
      } else {
        run_tiles(GradientJobs<2, 6>{g.out_channels, taps});
      }
    });
  }
  if (bias_grad) add_image_sums(image_sums, g.batch, g.out_channels, bias_grad);
}

template <class T>
bool channel_gradient_applies(const ConvGeometry& g) {
  return channel_gradient_vectors<T>(g) > 0;
}

template bool channel_gradient_applies<float>(const ConvGeometry&);
template bool channel_gradient_applies<double>(const ConvGeometry&);
template void direct_weight_gradient<float>(const float*, const float*, float*, float*, const ConvGeometry&, int64_t);
template void direct_weight_gradient<double>(const double*, const double*, double*, double*, const ConvGeometry&,
                                             int64_t);

}  // namespace descent::kernels::conv_detail
