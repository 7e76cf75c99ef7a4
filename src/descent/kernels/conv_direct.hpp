// Convolutions of stride 1 without unfolding the image: the padded image is stored with rows of
// `pitch` = out_w + kw - 1 values, and the outputs are computed at every q = oh * pitch + ow,
// ow < pitch (the last kw - 1 of each row are discarded). Tap (c, i, j) of the kernel then reads
// the padded image at q + c * plane + i * pitch + j for every output q: a contiguous, shifted
// view, so the convolution is a matrix product whose right factor is never materialized, its
// rows read straight from the image (the "implicit GEMM" of cuDNN and oneDNN's direct kernels,
// Chetlur et al. 2014). The products run in register blocks of the running CPU's widest
// vectors (cpu_dispatch.hpp):
//   forward      y (C_out, Q) = w (C_out, C_in kh kw) x_shifted (C_in kh kw, Q)
//   input grad   the forward of the flipped, transposed kernel over dy padded by k - 1 - pad
//   weight grad  dw (C_out, C_in kh kw) = sum over images of dy (C_out, Q) x_shifted^T
// Every output is one sum in a fixed order (taps in order; for the weight gradient, vector lanes
// over the images of a tile of fixed size, then a fixed tree), so results do not depend on the
// thread count. Raw pointers, contiguous NCHW, float and double.
#pragma once
#include <cstdint>

#include "descent/kernels/im2col.hpp"

namespace descent::kernels {

// True when the kernels below compute g: stride 1, dilation 1, one group, and padding on each
// side below the kernel's size (so the input gradient is again a padded convolution).
bool conv_direct_applies(const ConvGeometry& g);

// True when conv_forward_direct (conv_backward_weight_direct) computes g: where
// conv_direct_applies, and at a stride of 2 where the blocks along output channels take g
// (output channels filling whole vectors; for the weight gradient AVX-512 and 3 x 3 or 5 x 5
// kernels). The input gradient of a strided convolution is not a direct one.
template <class T>
bool conv_direct_forward_applies(const ConvGeometry& g);
template <class T>
bool conv_direct_weight_gradient_applies(const ConvGeometry& g);

// output (N, C_out, out_h, out_w) = conv2d(input, weight) + bias (overwrites; no bias where it
// is null).
template <class T>
void conv_forward_direct(const T* input, const T* weight, T* output, const ConvGeometry& g,
                         int64_t buffer_bytes = kColumnBufferBytes, const T* bias = nullptr);

// input_grad (N, C_in, H, W) from output_grad (overwrites).
template <class T>
void conv_backward_input_direct(const T* output_grad, const T* weight, T* input_grad, const ConvGeometry& g,
                                int64_t buffer_bytes = kColumnBufferBytes);

// weight_grad (C_out, C_in, kh, kw) summed over the batch (overwrites); the batch is taken in
// tiles of images whose padded copies fit in `buffer_bytes`. Also the bias gradient (C_out) of
// kernels/bias_sums.hpp, unless bias_grad is null.
template <class T>
void conv_backward_weight_direct(const T* input, const T* output_grad, T* weight_grad, const ConvGeometry& g,
                                 int64_t buffer_bytes = kColumnBufferBytes, T* bias_grad = nullptr);

}  // namespace descent::kernels
