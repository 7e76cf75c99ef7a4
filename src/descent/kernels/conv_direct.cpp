// The direct (implicit-product) convolutions of conv_direct.hpp. Register blocks are written with
// GCC vector types of the level's width, inlined into the level's function by at_cpu_level, so
// the same source runs in zmm, ymm or xmm registers.
#include "descent/kernels/conv_direct.hpp"

#include <omp.h>

#include <algorithm>
#include <vector>

#include "descent/core/threads.hpp"
#include "descent/kernels/cpu_dispatch.hpp"
#include "descent/kernels/parallel.hpp"
#include "descent/kernels/scratch.hpp"
#include "descent/kernels/simd.hpp"

namespace descent::kernels {

namespace {

// The taps [begin, end) a block of outputs sums over.
struct TapRange {
  int64_t begin, end;
};

// f.template operator()<N>() for the n in [1, MAX] given at run time.
template <int MAX, class F>
inline void with_block_size(int64_t n, const F& f) {
  if constexpr (MAX > 1) {
    if (n < MAX) return with_block_size<MAX - 1>(n, f);
  }
  f.template operator()<MAX>();
}

// The padded image of a convolution g and the outputs computed over it.
struct Shifted {
  int64_t channels, rows, pitch;  // C_in planes of rows x pitch (the padded image)
  int64_t outputs;                // out_h * pitch: the q computed, kw - 1 per row discarded
  int64_t padded_outputs;         // rounded up to whole vectors
  int64_t pad_bottom, pad_right;

  // The layout for elements of `element_bytes` (outputs padded to 64-byte vectors).
  Shifted(const ConvGeometry& g, int64_t element_bytes)
      : channels(g.in_channels),
        rows(g.out_h + g.kernel_h - 1),
        pitch(g.out_w + g.kernel_w - 1),
        outputs(g.out_h * pitch),
        padded_outputs((outputs * element_bytes + 63) / 64 * 64 / element_bytes),
        pad_bottom(rows - g.in_h - g.pad_top),
        pad_right(pitch - g.in_w - g.pad_left) {}
  int64_t plane() const { return rows * pitch; }
  // Elements of a padded image, with room for the last vectors' reads past the last plane.
  int64_t image_elements() const { return channels * plane() + padded_outputs + pitch; }
  // Offset of tap (c, i, j) for every tap of a (C, kh, kw) kernel, in order.
  std::vector<int64_t> tap_offsets(const ConvGeometry& g) const {
    std::vector<int64_t> offsets;
    offsets.reserve(static_cast<std::size_t>(g.group_rows()));
    for (int64_t c = 0; c < g.in_channels; ++c)
      for (int64_t i = 0; i < g.kernel_h; ++i)
        for (int64_t j = 0; j < g.kernel_w; ++j) offsets.push_back(c * plane() + i * pitch + j);
    return offsets;
  }
  // The forward's taps are ordered by kernel row first, (i, c, j), so that the taps of the
  // kernel rows a block of outputs needs are one run: tap (i, c, j)'s index.
  static int64_t row_major_tap(const ConvGeometry& g, int64_t c, int64_t i, int64_t j) {
    return (i * g.in_channels + c) * g.kernel_w + j;
  }
  std::vector<int64_t> row_major_tap_offsets(const ConvGeometry& g) const {
    std::vector<int64_t> offsets(static_cast<std::size_t>(g.group_rows()));
    for (int64_t c = 0; c < g.in_channels; ++c)
      for (int64_t i = 0; i < g.kernel_h; ++i)
        for (int64_t j = 0; j < g.kernel_w; ++j)
          offsets[static_cast<std::size_t>(row_major_tap(g, c, i, j))] = c * plane() + i * pitch + j;
    return offsets;
  }
  // The taps [begin, end) in row-major order that outputs [q, q_end) can meet image rows
  // with: kernel rows i whose image row h + i - pad_top lies in the image for some output row
  // h of the block. The others read only zero padding, and are skipped.
  TapRange taps_for_outputs(const ConvGeometry& g, int64_t q, int64_t q_end) const {
    const int64_t first_row = q / pitch, last_row = std::min(g.out_h - 1, (q_end - 1) / pitch);
    const int64_t lo = std::max<int64_t>(0, g.pad_top - last_row);
    const int64_t hi = std::min(g.kernel_h - 1, g.pad_top + g.in_h - 1 - first_row);
    const int64_t per_row = g.in_channels * g.kernel_w;
    return lo > hi ? TapRange{0, 0} : TapRange{lo * per_row, (hi + 1) * per_row};
  }
};

// dst[i] = src[i] for i < n, or 0 with src null: a loop, not a call to memmove (this file is
// compiled with -fno-tree-loop-distribute-patterns), as rows here are a few dozen values.
template <class T>
inline void copy_values(T* __restrict dst, const T* __restrict src, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
}

template <class T>
inline void zero_values(T* dst, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = T(0);
}

// image (C_in, H, W) into the padded layout, zeros around it.
template <class T>
void pad_image(const T* image, const ConvGeometry& g, const Shifted& s, T* padded) {
  const int64_t above = g.pad_top * s.pitch + g.pad_left, between = s.pitch - g.in_w;
  for (int64_t c = 0; c < g.in_channels; ++c) {
    T* plane = padded + c * s.plane();
    zero_values(plane, above);  // the rows above and the first row's left padding
    for (int64_t h = 0; h < g.in_h; ++h) {
      T* row = plane + (h + g.pad_top) * s.pitch + g.pad_left;
      copy_values(row, image + (c * g.in_h + h) * g.in_w, g.in_w);
      zero_values(row + g.in_w, between);  // this row's right and the next row's left padding
    }
    const int64_t written = above + g.in_h * s.pitch;
    zero_values(plane + written, s.plane() - written);
  }
  const int64_t images = g.in_channels * s.plane();
  zero_values(padded + images, s.image_elements() - images);
}

// The forward's register block height: rows of the weight (output channels) per block.
constexpr int forward_block_rows(CpuLevel level) { return level == CpuLevel::avx512 ? 8 : 4; }

// The weight (C_out, C_in, kh, kw) packed for the register blocks: blocks of `block` output
// channels (the last one shorter), each tap-major with the taps in row-major order, so a
// block's weights for tap k are the `height` values at packed[o0 * taps + k * height], read
// through one pointer.
template <class T>
std::vector<T> pack_weight_rows(const T* weight, const ConvGeometry& g, int64_t block) {
  const int64_t taps = g.group_rows();
  std::vector<T> packed(static_cast<std::size_t>(g.out_channels * taps));
  for (int64_t o0 = 0; o0 < g.out_channels; o0 += block) {
    const int64_t height = std::min(block, g.out_channels - o0);
    for (int64_t o = 0; o < height; ++o)
      for (int64_t c = 0, t = 0; c < g.in_channels; ++c)
        for (int64_t i = 0; i < g.kernel_h; ++i)
          for (int64_t j = 0; j < g.kernel_w; ++j, ++t) {
            const int64_t k = Shifted::row_major_tap(g, c, i, j);
            packed[static_cast<std::size_t>(o0 * taps + k * height + o)] = weight[(o0 + o) * taps + t];
          }
  }
  return packed;
}

// The register block of the forward: out[r][q + v VL] = sum over taps k of w[k][r] x[offsets[k] +
// q + v VL], for MR rows of the weight (packed tap-major) and NV vectors of outputs.
template <int MR, int NV, class S, class T>
inline void product_block(const T* w, TapRange taps, const T* x, const int64_t* offsets, T* out, int64_t out_stride) {
  using V = typename S::V;
  constexpr int64_t lanes = S::kLanes;
  V acc[MR][NV] = {};
  for (int64_t k = taps.begin; k < taps.end; ++k) {
    V b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = S::load(x + offsets[k] + v * lanes);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const T a = w[k * MR + r];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] += a * b[v];
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) S::store(out + r * out_stride + v * lanes, acc[r][v]);
}

// Rows [first, rows) of the packed weight against NV vectors of outputs at q: blocks of MR
// rows, then the remainder (fewer than MR) in one block of its own size, so that LeNet's 6
// channels share each load of the image 6 times, not 4 and then 2.
// `taps` is the weight's row length; `range` the taps summed over.
template <int MR, int NV, class S, class T>
inline void product_rows(int64_t first, int64_t rows, const T* w, int64_t taps, TapRange range, const T* x,
                         const int64_t* offsets, T* out, int64_t out_stride) {
  int64_t r = first;
  for (; r + MR <= rows; r += MR)
    product_block<MR, NV, S>(w + r * taps, range, x, offsets, out + r * out_stride, out_stride);
  if constexpr (MR > 1) {
    if (rows - r == MR - 1)
      product_block<MR - 1, NV, S>(w + r * taps, range, x, offsets, out + r * out_stride, out_stride);
    else if (r < rows)
      product_rows<MR - 1, NV, S>(r, rows, w, taps, range, x, offsets, out, out_stride);
  }
}

// One image: staging (C_out, padded_outputs) = w x_shifted, then its valid columns into out.
template <CpuLevel L, class T>
void forward_image(const T* padded, const T* weight, const ConvGeometry& g, const Shifted& s,
                   const std::vector<int64_t>& offsets, T* staging, T* out) {
  using S = Simd<T, kVectorBytes<L>>;
  constexpr int64_t lanes = S::kLanes;
  constexpr int MR = forward_block_rows(L);
  const int64_t taps = g.group_rows(), q_end = s.padded_outputs;
  auto range = [&](int64_t q, int64_t count) { return s.taps_for_outputs(g, q, q + count); };
  int64_t q = 0;
  for (; q + 3 * lanes <= q_end; q += 3 * lanes)
    product_rows<MR, 3, S>(0, g.out_channels, weight, taps, range(q, 3 * lanes), padded + q, offsets.data(),
                           staging + q, q_end);
  for (; q < q_end; q += lanes)
    product_rows<MR, 1, S>(0, g.out_channels, weight, taps, range(q, lanes), padded + q, offsets.data(), staging + q,
                           q_end);
  for (int64_t o = 0; o < g.out_channels; ++o)
    for (int64_t h = 0; h < g.out_h; ++h)
      copy_values(out + (o * g.out_h + h) * g.out_w, staging + o * q_end + h * s.pitch, g.out_w);
}

// The forward of g over the batch, images split over threads; each thread pads its images into
// its own buffers.
template <class T>
void pixel_forward(const T* input, const T* weight, T* output, const ConvGeometry& g) {
  const Shifted s(g, sizeof(T));
  const std::vector<int64_t> offsets = s.row_major_tap_offsets(g);
  const std::vector<T> packed = pack_weight_rows(weight, g, forward_block_rows(cpu_level()));
  const int64_t work = g.batch * g.out_channels * g.group_rows() * s.padded_outputs;
  parallel_ranges(g.batch, 1, work, kParallelMultiplyAdds, [&](int64_t begin, int64_t end) {
    ScratchBuffer<T> padded(s.image_elements()), staging(g.out_channels * s.padded_outputs);
    at_cpu_level([&]<CpuLevel L>() {
      for (int64_t n = begin; n < end; ++n) {
        pad_image(input + n * g.in_channels * g.in_plane(), g, s, padded.data());
        forward_image<L>(padded.data(), packed.data(), g, s, offsets, staging.data(),
                         output + n * g.out_channels * g.out_plane());
      }
    });
  });
}

// The forward with output channels along the vectors, for C_out a multiple of the vector
// length: a register block is NV vectors of channels times P consecutive outputs of one row
// (the weights of a tap loaded once, each input value broadcast once), so no discarded columns
// are computed, and each row sums over exactly the kernel rows that meet the image. The
// blocks' outputs come out channel-minor, a row at a time, and are transposed into NCHW.

// The weight (C_out, C_in, kh, kw) packed as blocks of `width` channels, each tap-major with
// the taps in row-major order: block b's weights for tap k are packed[(b * taps + k) * width ..].
template <class T>
std::vector<T> pack_weight_channels(const T* weight, const ConvGeometry& g, int64_t width) {
  const int64_t taps = g.group_rows();
  std::vector<T> packed(static_cast<std::size_t>(g.out_channels * taps));
  for (int64_t o = 0; o < g.out_channels; ++o)
    for (int64_t c = 0, t = 0; c < g.in_channels; ++c)
      for (int64_t i = 0; i < g.kernel_h; ++i)
        for (int64_t j = 0; j < g.kernel_w; ++j, ++t) {
          const int64_t k = Shifted::row_major_tap(g, c, i, j);
          packed[static_cast<std::size_t>(((o / width) * taps + k) * width + o % width)] = weight[o * taps + t];
        }
  return packed;
}

// out[p][v VL + lane] = sum over taps k of w[k][v VL + lane] x[offsets[k] + p], for NV vectors of
// channels and P outputs p along a row.
template <int NV, int P, class S, class T>
inline void channel_block(const T* w, TapRange taps, const T* x, const int64_t* offsets, T* out, int64_t out_stride) {
  using V = typename S::V;
  constexpr int64_t lanes = S::kLanes;
  V acc[NV][P] = {};
  for (int64_t k = taps.begin; k < taps.end; ++k) {
    V wk[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) wk[v] = in_register(S::load(w + (k * NV + v) * lanes));
    const T* xk = x + offsets[k];
    asm("" : "+r"(xk));  // one pointer, read at constant displacements (else GCC keeps P indices)
#pragma GCC unroll 32
    for (int p = 0; p < P; ++p) {
      const V b = S::broadcast(xk[p]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[v][p] += wk[v] * b;
    }
  }
  for (int p = 0; p < P; ++p)
    for (int v = 0; v < NV; ++v) S::store(out + p * out_stride + v * lanes, acc[v][p]);
}

// One image: row after row, its outputs in blocks of at most kMaxP (as even as they go), all
// channel blocks per pixel block, into `row` (out_w, C_out), then transposed into out.
template <CpuLevel L, int NV, class T>
void channel_forward_image(const T* padded, const T* packed, const ConvGeometry& g, const Shifted& s,
                           const std::vector<int64_t>& offsets, T* row, T* out) {
  using S = Simd<T, kVectorBytes<L>>;
  constexpr int64_t width = NV * S::kLanes;
  constexpr int kMaxP = (L == CpuLevel::avx512 ? 28 : 12) / NV;
  const int64_t taps = g.group_rows(), blocks = (g.out_w + kMaxP - 1) / kMaxP;
  for (int64_t oh = 0; oh < g.out_h; ++oh) {
    const TapRange range = s.taps_for_outputs(g, oh * s.pitch, oh * s.pitch + 1);
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t first = g.out_w * b / blocks, last = g.out_w * (b + 1) / blocks;
      with_block_size<kMaxP>(last - first, [&]<int P>() {
        for (int64_t o = 0; o < g.out_channels; o += width)
          channel_block<NV, P, S>(packed + o * taps, range, padded + oh * s.pitch + first, offsets.data(),
                                  row + first * g.out_channels + o, g.out_channels);
      });
    }
    for (int64_t o = 0; o < g.out_channels; ++o)
      for (int64_t ow = 0; ow < g.out_w; ++ow) out[(o * g.out_h + oh) * g.out_w + ow] = row[ow * g.out_channels + o];
  }
}

// The channel-vectorized forward over the batch, NV vectors of channels per block.
template <int NV, class T>
void channel_forward(const T* input, const T* weight, T* output, const ConvGeometry& g, int64_t lanes) {
  const Shifted s(g, sizeof(T));
  const std::vector<int64_t> offsets = s.row_major_tap_offsets(g);
  const std::vector<T> packed = pack_weight_channels(weight, g, NV * lanes);
  const int64_t work = g.batch * g.out_channels * g.group_rows() * g.out_plane();
  parallel_ranges(g.batch, 1, work, kParallelMultiplyAdds, [&](int64_t begin, int64_t end) {
    ScratchBuffer<T> padded(s.image_elements()), row(g.out_w * g.out_channels);
    at_cpu_level([&]<CpuLevel L>() {
      for (int64_t n = begin; n < end; ++n) {
        pad_image(input + n * g.in_channels * g.in_plane(), g, s, padded.data());
        channel_forward_image<L, NV>(padded.data(), packed.data(), g, s, offsets, row.data(),
                                     output + n * g.out_channels * g.out_plane());
      }
    });
  });
}

// The lanes of the running level's vectors of T.
template <class T>
int64_t vector_lanes() {
  return with_cpu_level([]<CpuLevel L>() { return int64_t{kVectorBytes<L>} / int64_t{sizeof(T)}; });
}

// The forward of g: along output channels where they fill whole vectors and each output sums
// at least 64 taps (measured faster on every such layer of LeNet-5, 2c2d and ResNet-20, e.g.
// 2c2d's second layer 21.0 -> 17.3 ms at one thread, 128 images; with fewer taps, as a first
// layer's, the two are even or the pixel kernel is ahead), else along output pixels. Four
// vectors of channels for rows of at most 7 outputs (ResNet's last stage) with AVX-512's 32
// registers, else two, else one.
template <class T>
void forward(const T* input, const T* weight, T* output, const ConvGeometry& g) {
  const int64_t lanes = vector_lanes<T>();
  const bool wide_registers = lanes * int64_t{sizeof(T)} == 64;
  if (g.out_channels % lanes != 0 || g.group_rows() < 64) return pixel_forward(input, weight, output, g);
  if (wide_registers && g.out_channels % (4 * lanes) == 0 && g.out_w <= 7)
    return channel_forward<4>(input, weight, output, g, lanes);
  if (g.out_channels % (2 * lanes) == 0) return channel_forward<2>(input, weight, output, g, lanes);
  channel_forward<1>(input, weight, output, g, lanes);
}

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

// dw[o][k] += the tile's sum for MO channels from o and MK taps from k.
template <int MO, int MK, class S, class T>
void gradient_job(const GradientTile<T>& t, int64_t o, int64_t k, T* dw) {
  typename S::V acc[MO][MK] = {};
  for (int64_t n = 0; n < t.count; ++n)
    gradient_block<MO, MK, S>(t.dy + n * t.dy_elements() + o * t.s.padded_outputs, t.s.padded_outputs,
                              t.padded + n * t.image_elements(), t.offsets.data() + k, acc);
  const int64_t taps = t.g.group_rows();
  for (int i = 0; i < MO; ++i)
    for (int j = 0; j < MK; ++j) dw[(o + i) * taps + k + j] += S::sum(acc[i][j]);
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
          const T* xr = x + (oh + r) * t.s.pitch + ow;
          asm("" : "+r"(xr));  // one pointer per kernel row, read at constant displacements
#pragma GCC unroll 8
          for (int j = 0; j < KW; ++j) {
            const V b = S::broadcast(xr[j]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[r * KW + j][v] += b * d[v];
          }
        }
      }
  }
  const int64_t taps = g.group_rows();
  for (int k = 0; k < HR * KW; ++k)
    for (int v = 0; v < NV; ++v)
      for (int64_t lane = 0; lane < lanes; ++lane)
        dw[(o + v * lanes + lane) * taps + (c * g.kernel_h + i0 + k / KW) * KW + k % KW] += acc[k][v][lane];
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
// along pixels are used: two or four vectors of AVX-512's, for 3 x 3 and 5 x 5 kernels.
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
                  const GradientTile<T>& t, T* padded, T* spread) {
  const ConvGeometry& g = t.g;
  for (int64_t i = begin; i < end; ++i) {
    pad_image(input + (first + i) * g.in_channels * g.in_plane(), g, t.s, padded + i * t.image_elements());
    const T* dy = output_grad + (first + i) * g.out_channels * g.out_plane();
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

// Tile after tile, in one parallel region: each thread prepares its share of the tile's images,
// waits for the others, adds its share of the blocks, and waits again. A block's sums are one
// thread's in a fixed order, whatever the share.
template <class T>
void weight_gradient(const T* input, const T* output_grad, T* weight_grad, const ConvGeometry& g,
                     int64_t buffer_bytes) {
  const Shifted s(g, sizeof(T));
  const std::vector<int64_t> offsets = s.tap_offsets(g);
  const int vectors = channel_gradient_vectors<T>(g);
  const int64_t taps = g.group_rows(), tile = gradient_tile_images<T>(g, s, vectors > 0, buffer_bytes);
  std::fill_n(weight_grad, g.out_channels * taps, T(0));
  ScratchBuffer<T> padded(tile * s.image_elements()), spread(tile * GradientTile<T>::dy_elements(g, s, vectors > 0));
  const int64_t work = g.batch * g.out_channels * taps * s.padded_outputs;
  const int threads = work >= kParallelMultiplyAdds ? omp_get_max_threads() : 1;
#pragma omp parallel num_threads(threads)
  {
    const int64_t thread = omp_get_thread_num(), team = omp_get_num_threads();
    at_cpu_level([&]<CpuLevel L>() {
      auto run_tiles = [&](const auto& jobs) {
        for (int64_t first = 0; first < g.batch; first += tile) {
          const GradientTile<T> t{g,          s, offsets, padded.data(), spread.data(), std::min(tile, g.batch - first),
                                  vectors > 0};
          prepare_tile(input, output_grad, first, t.count * thread / team, t.count * (thread + 1) / team, t,
                       padded.data(), spread.data());
#pragma omp barrier
          for (int64_t job = jobs.jobs() * thread / team; job < jobs.jobs() * (thread + 1) / team; ++job)
            jobs.template run<Simd<T, kVectorBytes<L>>>(job, t, weight_grad);
#pragma omp barrier
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
}

// The conv2d whose forward is g's input gradient: dy padded by k - 1 - pad, the kernel flipped
// and its channel dims swapped.
ConvGeometry transposed(const ConvGeometry& g) {
  ConvGeometry t = g;
  t.in_channels = g.out_channels, t.in_h = g.out_h, t.in_w = g.out_w;
  t.out_channels = g.in_channels, t.out_h = g.in_h, t.out_w = g.in_w;
  t.pad_top = g.kernel_h - 1 - g.pad_top, t.pad_left = g.kernel_w - 1 - g.pad_left;
  return t;
}

// w (C_out, C_in, kh, kw) -> (C_in, C_out, kh, kw), each kernel rotated by 180 degrees.
template <class T>
std::vector<T> flipped_transposed(const T* w, const ConvGeometry& g) {
  const int64_t kh = g.kernel_h, kw = g.kernel_w;
  std::vector<T> out(static_cast<std::size_t>(g.out_channels * g.in_channels * kh * kw));
  for (int64_t o = 0; o < g.out_channels; ++o)
    for (int64_t c = 0; c < g.in_channels; ++c)
      for (int64_t i = 0; i < kh; ++i)
        for (int64_t j = 0; j < kw; ++j)
          out[static_cast<std::size_t>(((c * g.out_channels + o) * kh + kh - 1 - i) * kw + kw - 1 - j)] =
              w[((o * g.in_channels + c) * kh + i) * kw + j];
  return out;
}

}  // namespace

bool conv_direct_applies(const ConvGeometry& g) {
  if (g.stride_h != 1 || g.stride_w != 1 || g.dilation_h != 1 || g.dilation_w != 1 || g.groups != 1) return false;
  const Shifted s(g, 1);  // only its padding is read
  return g.pad_top < g.kernel_h && s.pad_bottom >= 0 && s.pad_bottom < g.kernel_h && g.pad_left < g.kernel_w &&
         s.pad_right >= 0 && s.pad_right < g.kernel_w;
}

template <class T>
void conv_forward_direct(const T* input, const T* weight, T* output, const ConvGeometry& g, int64_t /*buffer_bytes*/) {
  forward(input, weight, output, g);
}

template <class T>
void conv_backward_input_direct(const T* output_grad, const T* weight, T* input_grad, const ConvGeometry& g,
                                int64_t /*buffer_bytes*/) {
  const std::vector<T> w = flipped_transposed(weight, g);
  forward(output_grad, w.data(), input_grad, transposed(g));
}

template <class T>
void conv_backward_weight_direct(const T* input, const T* output_grad, T* weight_grad, const ConvGeometry& g,
                                 int64_t buffer_bytes) {
  weight_gradient(input, output_grad, weight_grad, g, buffer_bytes);
}

// NOLINTBEGIN(bugprone-macro-parentheses): T is a type, which cannot be parenthesized
#define DESCENT_INSTANTIATE_CONV_DIRECT(T)                                                           \
  template void conv_forward_direct<T>(const T*, const T*, T*, const ConvGeometry&, int64_t);        \
  template void conv_backward_input_direct<T>(const T*, const T*, T*, const ConvGeometry&, int64_t); \
  template void conv_backward_weight_direct<T>(const T*, const T*, T*, const ConvGeometry&, int64_t);
DESCENT_INSTANTIATE_CONV_DIRECT(float)
DESCENT_INSTANTIATE_CONV_DIRECT(double)
#undef DESCENT_INSTANTIATE_CONV_DIRECT
// NOLINTEND(bugprone-macro-parentheses)

}  // namespace descent::kernels
