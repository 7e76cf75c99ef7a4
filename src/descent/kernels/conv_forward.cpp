// The direct forward (conv_direct.hpp's implicit product), two ways: along output pixels (the
// image's shifted rows in vectors, register blocks of output channels by vectors of pixels)
// and along output channels (vectors of channels by pixels of a row). Register blocks are
// written with GCC vector types of the level's width, inlined into the level's function by
// at_cpu_level, so the same source runs in zmm, ymm or xmm registers.
#include <algorithm>
#include <vector>

#include "descent/core/threads.hpp"
#include "descent/kernels/conv_layout.hpp"
#include "descent/kernels/cpu_dispatch.hpp"
#include "descent/kernels/parallel.hpp"
#include "descent/kernels/scratch.hpp"
#include "descent/kernels/simd.hpp"

namespace descent::kernels::conv_detail {

namespace {

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

// One image: staging (C_out, padded_outputs) = w x_shifted, then its valid columns into out,
// plus the bias where there is one.
template <CpuLevel L, class T>
void forward_image(const T* padded, const T* weight, const T* bias, const ConvGeometry& g, const Shifted& s,
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
    for (int64_t h = 0; h < g.out_h; ++h) {
      T* dst = out + (o * g.out_h + h) * g.out_w;
      const T* src = staging + o * q_end + h * s.pitch;
      if (bias) {
        add_values(dst, src, bias[o], g.out_w);
      } else {
        copy_values(dst, src, g.out_w);
      }
    }
}

// The forward of g over the batch, images split over threads; each thread pads its images into
// its own buffers.
template <class T>
void pixel_forward(const T* input, const T* weight, const T* bias, T* output, const ConvGeometry& g) {
  const Shifted s(g, sizeof(T));
  const std::vector<int64_t> offsets = s.row_major_tap_offsets(g);
  const std::vector<T> packed = pack_weight_rows(weight, g, forward_block_rows(cpu_level()));
  const int64_t work = g.batch * g.out_channels * g.group_rows() * s.padded_outputs;
  parallel_ranges(g.batch, 1, work, kParallelMultiplyAdds, [&](int64_t begin, int64_t end) {
    ScratchBuffer<T> padded(s.image_elements()), staging(g.out_channels * s.padded_outputs);
    at_cpu_level([&]<CpuLevel L>() {
      for (int64_t n = begin; n < end; ++n) {
        pad_image(input + n * g.in_channels * g.in_plane(), g, s, padded.data());
        forward_image<L>(padded.data(), packed.data(), bias, g, s, offsets, staging.data(),
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
template <int NV, int P, int ST, class S, class T>
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
      const T a = xk[int64_t{p} * ST];  // scalar times vector: one broadcast at every level
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[v][p] += a * wk[v];
    }
  }
  for (int p = 0; p < P; ++p)
    for (int v = 0; v < NV; ++v) S::store(out + p * out_stride + v * lanes, acc[v][p]);
}

// One image: row after row, its outputs in blocks of at most kMaxP (as even as they go), all
// channel blocks per pixel block, into `row` (out_w, C_out), then transposed into out.
template <CpuLevel L, int NV, int ST, class T>
void channel_forward_image(const T* padded, const T* packed, const T* bias, const ConvGeometry& g, const Shifted& s,
                           const std::vector<int64_t>& offsets, T* row, T* out) {
  using S = Simd<T, kVectorBytes<L>>;
  constexpr int64_t width = NV * S::kLanes;
  constexpr int kMaxP = (L == CpuLevel::avx512 ? 28 : 12) / NV;
  const int64_t taps = g.group_rows(), blocks = (g.out_w + kMaxP - 1) / kMaxP;
  for (int64_t oh = 0; oh < g.out_h; ++oh) {
    const TapRange range = s.taps_for_rows(g, oh, oh);
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t first = g.out_w * b / blocks, last = g.out_w * (b + 1) / blocks;
      with_block_size<kMaxP>(last - first, [&]<int P>() {
        for (int64_t o = 0; o < g.out_channels; o += width)
          channel_block<NV, P, ST, S>(packed + o * taps, range, padded + oh * g.stride_h * s.pitch + first * ST,
                                      offsets.data(), row + first * g.out_channels + o, g.out_channels);
      });
    }
    for (int64_t o = 0; o < g.out_channels; ++o) {
      T* dst = out + (o * g.out_h + oh) * g.out_w;
      const T* src = row + o;
      const int64_t stride = g.out_channels;
      if (bias) {
        const T b = bias[o];
#pragma omp simd
        for (int64_t ow = 0; ow < g.out_w; ++ow) dst[ow] = src[ow * stride] + b;
      } else {
#pragma omp simd
        for (int64_t ow = 0; ow < g.out_w; ++ow) dst[ow] = src[ow * stride];
      }
    }
  }
}

// The channel-vectorized forward over the batch, NV vectors of channels per block.
template <int NV, class T>
void channel_forward(const T* input, const T* weight, const T* bias, T* output, const ConvGeometry& g, int64_t lanes) {
  const Shifted s(g, sizeof(T));
  const std::vector<int64_t> offsets = s.row_major_tap_offsets(g);
  const std::vector<T> packed = pack_weight_channels(weight, g, NV * lanes);
  const int64_t work = g.batch * g.out_channels * g.group_rows() * g.out_plane();
  parallel_ranges(g.batch, 1, work, kParallelMultiplyAdds, [&](int64_t begin, int64_t end) {
    ScratchBuffer<T> padded(s.image_elements()), row(g.out_w * g.out_channels);
    at_cpu_level([&]<CpuLevel L>() {
      for (int64_t n = begin; n < end; ++n) {
        pad_image(input + n * g.in_channels * g.in_plane(), g, s, padded.data());
        T* out = output + n * g.out_channels * g.out_plane();
        if (g.stride_w == 1) {
          channel_forward_image<L, NV, 1>(padded.data(), packed.data(), bias, g, s, offsets, row.data(), out);
        } else {
          channel_forward_image<L, NV, 2>(padded.data(), packed.data(), bias, g, s, offsets, row.data(), out);
        }
      }
    });
  });
}

}  // namespace

// The forward runs along output channels where they fill whole vectors and each output sums
// at least 128 taps (measured faster or even on every such layer of LeNet-5, 2c2d and
// ResNet-20, e.g. 2c2d's second layer 21.0 -> 17.3 ms at one thread, 128 images; on first
// layers, of 25 or 75 taps, the pixel kernel is ahead), at stride 1 or 2; else along output
// pixels, at stride 1 only.
template <class T>
bool channel_forward_applies(const ConvGeometry& g) {
  return g.out_channels % vector_lanes<T>() == 0 && g.group_rows() >= 128;
}

// The forward of g, along channels or pixels as above. Four vectors of channels for rows of at
// most 7 outputs (ResNet's last stage) with AVX-512's 32 registers, else two, else one.
template <class T>
void direct_forward(const T* input, const T* weight, const T* bias, T* output, const ConvGeometry& g) {
  const int64_t lanes = vector_lanes<T>();
  const bool wide_registers = lanes * int64_t{sizeof(T)} == 64;
  if (!channel_forward_applies<T>(g)) return pixel_forward(input, weight, bias, output, g);
  if (wide_registers && g.out_channels % (4 * lanes) == 0 && g.out_w <= 7)
    return channel_forward<4>(input, weight, bias, output, g, lanes);
  if (g.out_channels % (2 * lanes) == 0) return channel_forward<2>(input, weight, bias, output, g, lanes);
  channel_forward<1>(input, weight, bias, output, g, lanes);
}

template bool channel_forward_applies<float>(const ConvGeometry&);
template bool channel_forward_applies<double>(const ConvGeometry&);
template void direct_forward<float>(const float*, const float*, const float*, float*, const ConvGeometry&);
template void direct_forward<double>(const double*, const double*, const double*, double*, const ConvGeometry&);

}  // namespace descent::kernels::conv_detail
