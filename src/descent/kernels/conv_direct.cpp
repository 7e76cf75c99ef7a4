// The direct convolutions of conv_direct.hpp: the forward (conv_forward.cpp), the input
// gradient as the forward of the flipped, transposed kernel, and the weight gradient
// (conv_weight_gradient.cpp), over the padded layout of conv_layout.hpp.
#include "descent/kernels/conv_direct.hpp"

#include <vector>

#include "descent/kernels/conv_layout.hpp"

namespace descent::kernels {

using conv_detail::Shifted;

namespace {

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

namespace {

// A stride of 2 (in either dim, or both), no dilation or groups, and padding on each side below
// the kernel's size: what the blocks along channels take besides conv_direct_applies.
bool strided_by_two(const ConvGeometry& g) {
  if (g.stride_h < 1 || g.stride_h > 2 || g.stride_w < 1 || g.stride_w > 2 || (g.stride_h == 1 && g.stride_w == 1))
    return false;
  if (g.dilation_h != 1 || g.dilation_w != 1 || g.groups != 1) return false;
  const Shifted s(g, 1);
  return g.pad_top < g.kernel_h && s.pad_bottom < g.kernel_h && g.pad_left < g.kernel_w && s.pad_right < g.kernel_w;
}

}  // namespace

template <class T>
bool conv_direct_forward_applies(const ConvGeometry& g) {
  return conv_direct_applies(g) || (strided_by_two(g) && conv_detail::channel_forward_applies<T>(g));
}

template <class T>
bool conv_direct_weight_gradient_applies(const ConvGeometry& g) {
  return conv_direct_applies(g) || (strided_by_two(g) && conv_detail::channel_gradient_applies<T>(g));
}

template <class T>
void conv_forward_direct(const T* input, const T* weight, T* output, const ConvGeometry& g, int64_t /*buffer_bytes*/,
                         const T* bias) {
  conv_detail::direct_forward(input, weight, bias, output, g);
}

template <class T>
void conv_backward_input_direct(const T* output_grad, const T* weight, T* input_grad, const ConvGeometry& g,
                                int64_t /*buffer_bytes*/) {
  const std::vector<T> w = flipped_transposed(weight, g);
  conv_detail::direct_forward(output_grad, w.data(), static_cast<const T*>(nullptr), input_grad, transposed(g));
}

template <class T>
void conv_backward_weight_direct(const T* input, const T* output_grad, T* weight_grad, const ConvGeometry& g,
                                 int64_t buffer_bytes, T* bias_grad) {
  conv_detail::direct_weight_gradient(input, output_grad, weight_grad, bias_grad, g, buffer_bytes);
}

// NOLINTBEGIN(bugprone-macro-parentheses): T is a type, which cannot be parenthesized
#define DESCENT_INSTANTIATE_CONV_DIRECT(T)                                                                \
  template void conv_forward_direct<T>(const T*, const T*, T*, const ConvGeometry&, int64_t, const T*);   \
  template void conv_backward_input_direct<T>(const T*, const T*, T*, const ConvGeometry&, int64_t);      \
  template void conv_backward_weight_direct<T>(const T*, const T*, T*, const ConvGeometry&, int64_t, T*); \
  template bool conv_direct_forward_applies<T>(const ConvGeometry&);                                      \
  template bool conv_direct_weight_gradient_applies<T>(const ConvGeometry&);
DESCENT_INSTANTIATE_CONV_DIRECT(float)
DESCENT_INSTANTIATE_CONV_DIRECT(double)
#undef DESCENT_INSTANTIATE_CONV_DIRECT
// NOLINTEND(bugprone-macro-parentheses)

}  // namespace descent::kernels
