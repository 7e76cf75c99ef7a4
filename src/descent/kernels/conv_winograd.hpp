// Convolutions by Winograd's minimal filtering algorithm F(m x m, r x r) (Lavin & Gray 2016,
// "Fast Algorithms for Convolutional Neural Networks"), for 3 x 3 and 5 x 5 kernels at stride 1:
// each m x m block of outputs (a tile) is
//   Y = A^T [ (G g G^T) (.) (B^T d B) ] A
// for every pair of channels, with d the tile's alpha x alpha window of the input (alpha =
// m + r - 1), g the kernel and (.) the elementwise product. Summed over input channels, the
// elementwise products become alpha^2 independent matrix products, one per transform point, of
// (tiles x C_in) by (C_in x C_out). Per output and channel pair: 4 multiply-adds for F(2, 3)
// and 2.25 for F(4, 3) instead of 9, 9 for F(2, 5) instead of 25. The transforms' additions
// cost a pass over each tile per channel, which is small beside the products when both channel
// counts fill whole vectors.
//
// Inside, an image is held channels-last (pixels of C_in values, vectors along channels): the
// input is transposed into a zero-padded copy, the transforms run on vectors of channels, and
// the outputs come back through a transpose into NCHW. Every output is one fixed sequence of
// operations per image (per group of images for the weight gradient), so results do not depend
// on the thread count. They differ from the direct sums by rounding: measured against double,
// the largest error over the largest output is 3e-7 for F(2, 3) (below the direct kernels'
// 7e-7: fewer products per sum), 6e-6 for F(4, 3) and F(2, 5) (their transforms hold 4, 5, 8
// and 1/24); tests/ops/test_conv_winograd.cpp bounds them. float only, on AVX-512.
#pragma once
#include <cstdint>

#include "descent/kernels/im2col.hpp"

namespace descent::kernels {

// True when the kernels below compute g (and its input gradient) on this CPU: float, AVX-512,
// stride 1, no dilation or groups, a 3 x 3 or 5 x 5 kernel, padding on each side below the
// kernel's size, and input and output channels multiples of 16 (whole vectors).
template <class T>
bool conv_winograd_applies(const ConvGeometry& g);

// The three products of a convolution.
enum class ConvProduct { forward, input_gradient, weight_gradient };

// m, the size of the output tiles F(m x m, r x r) uses for g's `product`: 4 or 2 for 3 x 3
// kernels (conv_winograd.cpp's tile_for says when), 2 for 5 x 5.
int64_t conv_winograd_tile(const ConvGeometry& g, ConvProduct product);

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
