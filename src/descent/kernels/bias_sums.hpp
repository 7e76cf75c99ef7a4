// A convolution's bias gradient, db[c] = sum over images n and outputs p of dy[n, c, p], taken
// image by image where a weight gradient reads each image's dy anyway: each image's sums in
// double, in the fixed lanes of lane_sums.hpp, then the images' sums added in image order. So
// the bits depend neither on the thread count (images may be summed by any thread) nor on
// whether the weight gradient ran beside it (ops/conv2d.cpp's channel_sums takes the same sums
// alone).
#pragma once
#include <cstdint>
#include <vector>

#include "descent/kernels/lane_sums.hpp"

namespace descent::kernels {

// sums[c] = sum over p < plane of dy[c * plane + p], for one image's dy (channels, plane).
template <class T>
void image_channel_sums(const T* dy, int64_t channels, int64_t plane, double* sums) {
  for (int64_t c = 0; c < channels; ++c)
    sums[c] = sums_in_range(c * plane, (c + 1) * plane, [dy](int64_t i) { return static_cast<double>(dy[i]); })[0];
}

// bias_grad[c] = sum over n < batch of sums[n * channels + c], in image order (overwrites).
template <class T>
void add_image_sums(const std::vector<double>& sums, int64_t batch, int64_t channels, T* bias_grad) {
  for (int64_t c = 0; c < channels; ++c) {
    double total = 0.0;
    for (int64_t n = 0; n < batch; ++n) total += sums[static_cast<std::size_t>(n * channels + c)];
    bias_grad[c] = static_cast<T>(total);
  }
}

}  // namespace descent::kernels
