// The padded image layout the direct convolutions read (conv_direct.hpp), and what their
// forward and weight-gradient files share. Internal to kernels/conv_*.cpp.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "descent/kernels/cpu_dispatch.hpp"
#include "descent/kernels/im2col.hpp"

namespace descent::kernels::conv_detail {

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
        rows((g.out_h - 1) * g.stride_h + g.kernel_h),
        pitch((g.out_w - 1) * g.stride_w + g.kernel_w),
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
  // The taps [begin, end) in row-major order that output rows [first_row, last_row] meet the
  // image with: kernel rows i whose image row h s_h + i - pad_top lies in the image for some
  // output row h of them (any stride). The others read only zero padding, and are skipped.
  TapRange taps_for_rows(const ConvGeometry& g, int64_t first_row, int64_t last_row) const {
    const int64_t lo = std::max<int64_t>(0, g.pad_top - last_row * g.stride_h);
    const int64_t hi = std::min(g.kernel_h - 1, g.pad_top + g.in_h - 1 - first_row * g.stride_h);
    const int64_t per_row = g.in_channels * g.kernel_w;
    return lo > hi ? TapRange{0, 0} : TapRange{lo * per_row, (hi + 1) * per_row};
  }
  // The same for the outputs [q, q_end) of the blocks along pixels (stride 1).
  TapRange taps_for_outputs(const ConvGeometry& g, int64_t q, int64_t q_end) const {
    return taps_for_rows(g, q / pitch, std::min(g.out_h - 1, (q_end - 1) / pitch));
  }
};

// dst[i] = src[i] for i < n: a loop, not a call to memmove (the files that use it are compiled
// with -fno-tree-loop-distribute-patterns), as rows here are a few dozen values.
template <class T>
inline void copy_values(T* __restrict dst, const T* __restrict src, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
}

// dst[i] = src[i] + b for i < n.
template <class T>
inline void add_values(T* __restrict dst, const T* __restrict src, T b, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i] + b;
}

// dst[i] += src[i] for i < n.
template <class T>
inline void add_values(T* __restrict dst, const T* __restrict src, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
}

template <class T>
inline void zero_values(T* dst, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = T(0);
}

// image (C_in, H, W) into the padded layout, zeros around it; with a stride, the rows and
// columns past the last window are left out.
template <class T>
void pad_image(const T* image, const ConvGeometry& g, const Shifted& s, T* padded) {
  const int64_t height = std::min(g.in_h, s.rows - g.pad_top), width = std::min(g.in_w, s.pitch - g.pad_left);
  const int64_t above = g.pad_top * s.pitch + g.pad_left, between = s.pitch - width;
  for (int64_t c = 0; c < g.in_channels; ++c) {
    T* plane = padded + c * s.plane();
    zero_values(plane, above);  // the rows above and the first row's left padding
    for (int64_t h = 0; h < height; ++h) {
      T* row = plane + (h + g.pad_top) * s.pitch + g.pad_left;
      copy_values(row, image + (c * g.in_h + h) * g.in_w, width);
      zero_values(row + width, between);  // this row's right and the next row's left padding
    }
    const int64_t written = above + height * s.pitch;
    zero_values(plane + written, s.plane() - written);
  }
  const int64_t images = g.in_channels * s.plane();
  zero_values(padded + images, s.image_elements() - images);
}

// The lanes of the running level's vectors of T.
template <class T>
int64_t vector_lanes() {
  return with_cpu_level([]<CpuLevel L>() { return int64_t{kVectorBytes<L>} / int64_t{sizeof(T)}; });
}

// The forward of g (conv_forward.cpp): output (N, C_out, out_h, out_w), overwritten, plus
// bias (C_out) unless it is null.
template <class T>
void direct_forward(const T* input, const T* weight, const T* bias, T* output, const ConvGeometry& g);

// Whether the blocks along output channels compute the forward and the weight gradient of g
// (conv_forward.cpp, conv_weight_gradient.cpp): the only direct blocks for a stride of 2.
template <class T>
bool channel_forward_applies(const ConvGeometry& g);
template <class T>
bool channel_gradient_applies(const ConvGeometry& g);

// The weight gradient of g summed over the batch (conv_weight_gradient.cpp), overwritten, and
// the bias gradient (kernels/bias_sums.hpp) unless bias_grad is null.
template <class T>
void direct_weight_gradient(const T* input, const T* output_grad, T* weight_grad, T* bias_grad, const ConvGeometry& g,
                            int64_t buffer_bytes);

}  // namespace descent::kernels::conv_detail
