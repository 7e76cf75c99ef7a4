// Convolution as matrix products (Chellapilla et al. 2006; Caffe's im2col/col2im, which
// PyTorch's slow_conv2d also follows): im2col unfolds every receptive field of an image into a
// column, so a convolution is one gemm per image and group; col2im folds columns back,
// summing where receptive fields overlap. Raw pointers, contiguous NCHW, float and double.
#pragma once
#include <cstdint>

namespace descent::kernels {

// One convolution, seen from its input side (the larger one): conv2d maps input (N, C_in, H,
// W) to output (N, C_out, out_h, out_w); conv_transpose2d is the same map run backwards.
// Padding may differ on the two sides (padding='same' with an even kernel); pad_top and
// pad_left place the first receptive field, out_h and out_w say how many there are.
struct ConvGeometry {
  int64_t batch = 1;
  int64_t groups = 1;
  int64_t in_channels = 1, in_h = 1, in_w = 1;
  int64_t out_channels = 1, out_h = 1, out_w = 1;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0;
  int64_t dilation_h = 1, dilation_w = 1;

  int64_t in_plane() const { return in_h * in_w; }
  int64_t out_plane() const { return out_h * out_w; }
  // Rows of one group's columns: (C_in / groups) kh kw, the length of a weight row.
  int64_t group_rows() const { return in_channels / groups * kernel_h * kernel_w; }
  // Elements of one image's columns (all groups): C_in kh kw x out_h out_w.
  int64_t columns_per_image() const { return groups * group_rows() * out_plane(); }
};

// An im2col buffer holds at most this many bytes: the batch is processed in tiles of as many
// images as fit (at least one), so memory stays bounded at any batch size.
inline constexpr int64_t kColumnBufferBytes = int64_t{4} << 20;

// image (C_in, H, W) -> columns (C_in kh kw, out_h out_w); row (c, i, j) holds input
// x[c, oh s_h - pad_top + i d_h, ow s_w - pad_left + j d_w], 0 outside the image.
template <class T>
void im2col(const T* image, const ConvGeometry& g, T* columns);

// The adjoint of im2col: image (C_in, H, W) += fold(columns), overlapping fields summed.
template <class T>
void col2im(const T* columns, const ConvGeometry& g, T* image);

// The three products of a convolution, each through im2col/col2im and kernels::gemm, the batch
// processed in tiles of images whose columns fit in `buffer_bytes`. Weight (C_out, C_in /
// groups, kh, kw), viewed as (C_out, group_rows) per group.
//
// y (channels, plane) of one image += bias (channels), in place.
template <class T>
void add_image_bias(T* y, const T* bias, int64_t channels, int64_t plane);

// output (N, C_out, out_h, out_w) = weight * im2col(input) + bias, per image and group
// (overwrites; no bias where it is null).
template <class T>
void conv_forward_im2col(const T* input, const T* weight, T* output, const ConvGeometry& g,
                         int64_t buffer_bytes = kColumnBufferBytes, const T* bias = nullptr);

// input_grad (N, C_in, H, W) = col2im(weight^T * output_grad), per image and group (overwrites).
template <class T>
void conv_backward_input_im2col(const T* output_grad, const T* weight, T* input_grad, const ConvGeometry& g,
                                int64_t buffer_bytes = kColumnBufferBytes);

// weight_grad (C_out, C_in / groups, kh, kw) = sum over images n = 0, 1, ... in this order of
// output_grad_n * im2col(input_n)^T (overwrites); also the bias gradient (C_out) of
// kernels/bias_sums.hpp, unless bias_grad is null.
template <class T>
void conv_backward_weight_im2col(const T* input, const T* output_grad, T* weight_grad, const ConvGeometry& g,
                                 int64_t buffer_bytes = kColumnBufferBytes, T* bias_grad = nullptr);

}  // namespace descent::kernels
