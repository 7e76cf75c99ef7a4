// Convolutions by Winograd's minimal filtering algorithm F(2 x 2, r x r) (Lavin & Gray 2016,
// "Fast Algorithms for Convolutional Neural Networks"), for 3 x 3 and 5 x 5 kernels at stride 1:
// each 2 x 2 block of outputs (a tile) is
//   Y = A^T [ (G g G^T) (.) (B^T d B) ] A
// for every pair of channels, with d the tile's (r + 1) x (r + 1) window of the input, g the
// kernel and (.) the elementwise product. Summed over input channels, the elementwise products
// become (r + 1)^2 independent matrix products, one per transform point, of (tiles x C_in) by
// (C_in x C_out): 16 multiply-adds per tile and channel pair for 3 x 3 instead of 36, 36 for
// 5 x 5 instead of 100. The transforms' additions cost a pass over each tile per channel, which
// is small beside the products when both channel counts fill whole vectors.
//
// Inside, an image is held channels-last (pixels of C_in values, vectors along channels): the
// input is transposed into a zero-padded (H + pad) x (W + pad) x C_in copy, the transforms run on
// vectors of channels, and the outputs come back through a transpose into NCHW. Every output is
// one fixed sequence of operations per image, so results do not depend on the thread count or
// the batch. They differ from the direct sums by rounding: measured against double, the largest
// error over the largest output is 3e-7 for 3 x 3 (below the direct kernels' 7e-7: fewer
// products per sum) and 6e-6 for 5 x 5 (five times theirs: F(2, 5)'s transforms hold 4, 5 and
// 1/24); tests/ops/test_conv_winograd.cpp bounds both. float only, on AVX-512.
#pragma once
#include <cstdint>

#include "descent/kernels/im2col.hpp"

namespace descent::kernels {

// True when the kernels below compute g (and its input gradient) on this CPU: float, AVX-512,
// stride 1, no dilation or groups, a 3 x 3 or 5 x 5 kernel, padding on each side below the
// kernel's size, and input and output channels multiples of 16 (whole vectors).
template <class T>
bool conv_winograd_applies(const ConvGeometry& g);

// output (N, C_out, out_h, out_w) = conv2d(input, weight) + bias (overwrites; no bias where it
// is null). buffer_bytes is unused (the signature of the other forwards).
template <class T>
void conv_forward_winograd(const T* input, const T* weight, T* output, const ConvGeometry& g, int64_t buffer_bytes,
                           const T* bias);

// input_grad (N, C_in, H, W) from output_grad (overwrites): the forward of the flipped,
// transposed kernel over output_grad padded by k - 1 - pad.
template <class T>
void conv_backward_input_winograd(const T* output_grad, const T* weight, T* input_grad, const ConvGeometry& g,
                                  int64_t buffer_bytes);

// weight_grad (C_out, C_in, r, r) summed over the batch (overwrites), and the bias gradient
// (C_out) of kernels/bias_sums.hpp unless bias_grad is null: dw = G^T [sum over tiles of
// (A dy A^T) (.) (B^T d B)] G for each kernel.
template <class T>
void conv_backward_weight_winograd(const T* input, const T* output_grad, T* weight_grad, const ConvGeometry& g,
                                   int64_t buffer_bytes, T* bias_grad);

}  // namespace descent::kernels
