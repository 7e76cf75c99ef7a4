// The naive twin of every convolution kernel: the seven loops of a direct convolution over a
// kernels::ConvGeometry (any stride, padding, dilation and groups), calling back with the flat
// indices of each multiply-add, so one loop gives the forward, the input gradient and the
// weight gradient.
#pragma once
#include <cstdint>

#include "descent/kernels/im2col.hpp"

namespace descent::testing {

// The input element a receptive field reads, or -1 in the padding.
inline int64_t input_index(const kernels::ConvGeometry& g, int64_t n, int64_t c, int64_t oh, int64_t ow, int64_t i,
                           int64_t j) {
  const int64_t ih = oh * g.stride_h - g.pad_top + i * g.dilation_h;
  const int64_t iw = ow * g.stride_w - g.pad_left + j * g.dilation_w;
  if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) return -1;
  return ((n * g.in_channels + c) * g.in_h + ih) * g.in_w + iw;
}

// fn(output index, weight index, input index) for every multiply-add of the convolution:
// the seven loops of a direct convolution (image, output channel, output row and column,
// input channel of the group, kernel row and column).
template <class Fn>
void direct_convolution(const kernels::ConvGeometry& g, Fn&& fn) {
  const int64_t group_in = g.in_channels / g.groups, group_out = g.out_channels / g.groups;
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t oc = 0; oc < g.out_channels; ++oc)
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow)
          for (int64_t ic = 0; ic < group_in; ++ic)
            for (int64_t i = 0; i < g.kernel_h; ++i)
              for (int64_t j = 0; j < g.kernel_w; ++j) {
                const int64_t in = input_index(g, n, oc / group_out * group_in + ic, oh, ow, i, j);
                if (in < 0) continue;
                fn(((n * g.out_channels + oc) * g.out_h + oh) * g.out_w + ow,
                   ((oc * group_in + ic) * g.kernel_h + i) * g.kernel_w + j, in);
              }
}

}  // namespace descent::testing
