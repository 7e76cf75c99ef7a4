// im2col, col2im and the tiled convolution products built on them. Images of a tile are
// spread over OpenMP threads in fixed contiguous ranges; every image is computed by the same
// code at any thread count, and the weight gradient sums images one after another in batch
// order, so results do not depend on the number of threads. im2col and col2im run in the
// running CPU's widest registers (cpu_dispatch.hpp); the products are OpenBLAS's, which
// chooses its own kernels at run time.
#include "descent/kernels/im2col.hpp"

#include <algorithm>
#include <vector>

#include "descent/core/threads.hpp"
#include "descent/kernels/bias_sums.hpp"
#include "descent/kernels/cpu_dispatch.hpp"
#include "descent/kernels/gemm.hpp"
#include "descent/kernels/parallel.hpp"
#include "descent/kernels/scratch.hpp"

namespace descent::kernels {

namespace {

// How many images' columns fit in the buffer: at least one, at most the batch.
template <class T>
int64_t images_per_tile(const ConvGeometry& g, int64_t buffer_bytes) {
  const int64_t per_image = std::max<int64_t>(1, g.columns_per_image() * static_cast<int64_t>(sizeof(T)));
  return std::clamp<int64_t>(buffer_bytes / per_image, 1, std::max<int64_t>(g.batch, 1));
}

// What the three products share: the tile (images per pass), one image's columns, the sizes of
// a group's product (rows = C_in/G kh kw, cols = out_h out_w, group_out = C_out/G) and the
// buffer the tile's columns are unfolded into.
template <class T>
struct Tiling {
  Tiling(const ConvGeometry& g, int64_t buffer_bytes)
      : tile(images_per_tile<T>(g, buffer_bytes)),
        per_image(g.columns_per_image()),
        rows(g.group_rows()),
        cols(g.out_plane()),
        group_out(g.out_channels / g.groups),
        buffer(tile * per_image) {}
  T* columns(int64_t slot) const { return buffer.data() + slot * per_image; }  // (C_in kh kw, out_h out_w)

  const int64_t tile, per_image, rows, cols, group_out;
  ScratchBuffer<T> buffer;  // the columns of a tile
};

// fn(image n, its slot i in the tile) for every image, tile after tile, the images of a tile
// split over threads when their work reaches `threshold`. `after_tile(first, count)` runs on
// the calling thread once a tile is done.
template <class Fn, class After>
void for_each_tile(int64_t batch, int64_t tile, int64_t work_per_image, int64_t threshold, Fn&& fn,
                   After&& after_tile) {
  for (int64_t first = 0; first < batch; first += tile) {
    const int64_t count = std::min(tile, batch - first);
    parallel_ranges(count, 1, count * work_per_image, threshold, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) fn(first + i, i);
    });
    after_tile(first, count);
  }
}

// The outputs o in [begin, end) of one kernel tap whose input index o * stride + offset lies
// inside [0, size): the rest of the row reads padding. Computed once per tap, so the loops
// below copy (stride 1: contiguously) instead of testing every element.
struct Span {
  int64_t begin, end;
};
inline Span inside(int64_t outputs, int64_t stride, int64_t offset, int64_t size) {
  const auto ceil_div = [](int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); };
  const int64_t begin = std::clamp<int64_t>(ceil_div(-offset, stride), 0, outputs);
  const int64_t end = std::clamp<int64_t>(ceil_div(size - offset, stride), begin, outputs);
  return {begin, end};
}

// One kernel tap (c, i, j) as the loops below see it: its row of the columns, the image rows
// and columns it reads at output (oh, ow), oh s_h + row_offset and ow s_w + col_offset, and the
// outputs whose reads lie inside the image.
struct Tap {
  int64_t c, row;  // row (c, i, j) of the columns
  int64_t row_offset, col_offset;
  Span rows, cols;
};

// fn(tap) for every tap of g, in the columns' row order.
template <class Fn>
void for_each_tap(const ConvGeometry& g, Fn&& fn) {
  for (int64_t c = 0; c < g.in_channels; ++c)
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      const int64_t row_offset = i * g.dilation_h - g.pad_top;
      const Span rows = inside(g.out_h, g.stride_h, row_offset, g.in_h);
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        const int64_t col_offset = j * g.dilation_w - g.pad_left;
        fn(Tap{c, (c * g.kernel_h + i) * g.kernel_w + j, row_offset, col_offset, rows,
               inside(g.out_w, g.stride_w, col_offset, g.in_w)});
      }
    }
}

// im2col and col2im, compiled for one level by their callers below. Row (c, i, j) of the
// columns holds, at output (oh, ow), input (c, oh s_h + i d_h - pad_top, ow s_w + j d_w - pad_left).
template <class T>
void unfold(const T* __restrict image, const ConvGeometry& g, T* __restrict columns) {
  for_each_tap(g, [&](const Tap& t) {
    const T* plane = image + t.c * g.in_plane();
    T* tap = columns + t.row * g.out_plane();
    std::fill(tap, tap + t.rows.begin * g.out_w, T(0));
    for (int64_t oh = t.rows.begin; oh < t.rows.end; ++oh) {
      T* dst = tap + oh * g.out_w;
      const T* src = plane + (oh * g.stride_h + t.row_offset) * g.in_w;
      std::fill(dst, dst + t.cols.begin, T(0));
      if (g.stride_w == 1) {
        std::copy(src + t.cols.begin + t.col_offset, src + t.cols.end + t.col_offset, dst + t.cols.begin);
      } else {
        for (int64_t ow = t.cols.begin; ow < t.cols.end; ++ow) dst[ow] = src[ow * g.stride_w + t.col_offset];
      }
      std::fill(dst + t.cols.end, dst + g.out_w, T(0));
    }
    std::fill(tap + t.rows.end * g.out_w, tap + g.out_plane(), T(0));
  });
}

template <class T>
void fold(const T* __restrict columns, const ConvGeometry& g, T* __restrict image) {
  for_each_tap(g, [&](const Tap& t) {
    T* plane = image + t.c * g.in_plane();
    const T* tap = columns + t.row * g.out_plane();
    for (int64_t oh = t.rows.begin; oh < t.rows.end; ++oh) {
      const T* src = tap + oh * g.out_w;
      T* dst = plane + (oh * g.stride_h + t.row_offset) * g.in_w;
      if (g.stride_w == 1) {
        T* shifted = dst + t.cols.begin + t.col_offset;  // dst[ow + col_offset] for ow from cols.begin
        const T* from = src + t.cols.begin;
        for (int64_t k = 0; k < t.cols.end - t.cols.begin; ++k) shifted[k] += from[k];
      } else {
        for (int64_t ow = t.cols.begin; ow < t.cols.end; ++ow) dst[ow * g.stride_w + t.col_offset] += src[ow];
      }
    }
  });
}

}  // namespace

template <class T>
void im2col(const T* image, const ConvGeometry& g, T* columns) {
  at_cpu_level([&]<CpuLevel>() { unfold(image, g, columns); });
}

template <class T>
void col2im(const T* columns, const ConvGeometry& g, T* image) {
  at_cpu_level([&]<CpuLevel>() { fold(columns, g, image); });
}

// image(n, its columns) for every image n of the batch, for the products of one image by the
// weight (C_out rows cols multiply-adds each): the forward pass and the input gradient.
template <class T, class Image>
void for_each_image(const ConvGeometry& g, const Tiling<T>& tiling, Image&& image) {
  for_each_tile(
      g.batch, tiling.tile, g.out_channels * tiling.rows * tiling.cols, kParallelMultiplyAdds,
      [&](int64_t n, int64_t slot) { image(n, tiling.columns(slot)); }, [](int64_t, int64_t) {});
}

template <class T>
void add_image_bias(T* y, const T* bias, int64_t channels, int64_t plane) {
  at_cpu_level([&]<CpuLevel>() {
    for (int64_t c = 0; c < channels; ++c) {
      T* row = y + c * plane;
      const T value = bias[c];
#pragma omp simd
      for (int64_t i = 0; i < plane; ++i) row[i] += value;
    }
  });
}

template <class T>
void conv_forward_im2col(const T* input, const T* weight, T* output, const ConvGeometry& g, int64_t buffer_bytes,
                         const T* bias) {
  const Tiling<T> tiling(g, buffer_bytes);
  const int64_t rows = tiling.rows, cols = tiling.cols, group_out = tiling.group_out;
  for_each_image(g, tiling, [&](int64_t n, T* columns) {
    im2col(input + n * g.in_channels * g.in_plane(), g, columns);
    for (int64_t grp = 0; grp < g.groups; ++grp)  // y_g (C_out/G, L) = w_g (C_out/G, rows) cols_g (rows, L)
      gemm<T>(false, false, group_out, cols, rows, T(1), weight + grp * group_out * rows, rows,
              columns + grp * rows * cols, cols, T(0), output + (n * g.out_channels + grp * group_out) * cols, cols);
    if (bias) add_image_bias(output + n * g.out_channels * cols, bias, g.out_channels, cols);  // while in cache
  });
}

template <class T>
void conv_backward_input_im2col(const T* output_grad, const T* weight, T* input_grad, const ConvGeometry& g,
                                int64_t buffer_bytes) {
  const Tiling<T> tiling(g, buffer_bytes);
  const int64_t rows = tiling.rows, cols = tiling.cols, group_out = tiling.group_out;
  for_each_image(g, tiling, [&](int64_t n, T* columns) {
    for (int64_t grp = 0; grp < g.groups; ++grp)  // cols_g (rows, L) = w_g^T (rows, C_out/G) dy_g (C_out/G, L)
      gemm<T>(true, false, rows, cols, group_out, T(1), weight + grp * group_out * rows, rows,
              output_grad + (n * g.out_channels + grp * group_out) * cols, cols, T(0), columns + grp * rows * cols,
              cols);
    T* dx = input_grad + n * g.in_channels * g.in_plane();
    std::fill_n(dx, g.in_channels * g.in_plane(), T(0));
    col2im(columns, g, dx);
  });
}

template <class T>
void conv_backward_weight_im2col(const T* input, const T* output_grad, T* weight_grad, const ConvGeometry& g,
                                 int64_t buffer_bytes, T* bias_grad) {
  const Tiling<T> tiling(g, buffer_bytes);
  const int64_t rows = tiling.rows, cols = tiling.cols, group_out = tiling.group_out;
  std::fill_n(weight_grad, g.out_channels * rows, T(0));
  std::vector<double> image_sums(static_cast<std::size_t>(bias_grad ? g.batch * g.out_channels : 0));
  auto unfold = [&](int64_t n, int64_t slot) {
    im2col(input + n * g.in_channels * g.in_plane(), g, tiling.columns(slot));
    if (bias_grad)
      image_channel_sums(output_grad + n * g.out_channels * cols, g.out_channels, cols,
                         image_sums.data() + n * g.out_channels);
  };
  // The sum over images runs on one thread, image after image: the same order at any thread count.
  auto accumulate = [&](int64_t first, int64_t count) {
    for (int64_t slot = 0; slot < count; ++slot) {
      const T* columns = tiling.columns(slot);
      for (int64_t grp = 0; grp < g.groups; ++grp)  // dw_g (C_out/G, rows) += dy_g (C_out/G, L) cols_g^T (L, rows)
        gemm<T>(false, true, group_out, rows, cols, T(1),
                output_grad + ((first + slot) * g.out_channels + grp * group_out) * cols, cols,
                columns + grp * rows * cols, cols, T(1), weight_grad + grp * group_out * rows, rows);
    }
  };
  // The unfolding threshold is that of copies, not products.
  for_each_tile(g.batch, tiling.tile, tiling.per_image, kParallelThreshold, unfold, accumulate);
  if (bias_grad) add_image_sums(image_sums, g.batch, g.out_channels, bias_grad);
}

// NOLINTBEGIN(bugprone-macro-parentheses): T is a type, which cannot be parenthesized
#define DESCENT_INSTANTIATE_IM2COL(T)                                                                   \
  template void im2col<T>(const T*, const ConvGeometry&, T*);                                           \
  template void col2im<T>(const T*, const ConvGeometry&, T*);                                           \
  template void add_image_bias<T>(T*, const T*, int64_t, int64_t);                                      \
  template void conv_forward_im2col<T>(const T*, const T*, T*, const ConvGeometry&, int64_t, const T*); \
  template void conv_backward_input_im2col<T>(const T*, const T*, T*, const ConvGeometry&, int64_t);    \
  template void conv_backward_weight_im2col<T>(const T*, const T*, T*, const ConvGeometry&, int64_t, T*);
DESCENT_INSTANTIATE_IM2COL(float)
DESCENT_INSTANTIATE_IM2COL(double)
#undef DESCENT_INSTANTIATE_IM2COL
// NOLINTEND(bugprone-macro-parentheses)

}  // namespace descent::kernels
