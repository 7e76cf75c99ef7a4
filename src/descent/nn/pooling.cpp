// MaxPool2d, AvgPool2d and AdaptiveAvgPool2d, printed as torch prints them.
#include "descent/nn/pooling.hpp"

#include "descent/nn/conv.hpp"

namespace descent {

namespace {

void check_positive(const char* layer, const char* what, Pair p) {
  if (p.h <= 0 || p.w <= 0)
    throw ValueError(std::string(layer) + ": " + what + " must be positive, got " + pair_repr(p));
}

}  // namespace

MaxPool2d::MaxPool2d(Pair kernel, std::optional<Pair> step, Pair pad, Pair dil, bool ceil)
    : kernel_size(kernel), stride(step.value_or(kernel)), padding(pad), dilation(dil), ceil_mode(ceil) {
  check_positive("MaxPool2d", "kernel_size", kernel_size);
  check_positive("MaxPool2d", "stride", stride);
  check_positive("MaxPool2d", "dilation", dilation);
}

Tensor MaxPool2d::forward(const Tensor& x) { return max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode); }

std::string MaxPool2d::extra_repr() const {
  return "kernel_size=" + pair_repr(kernel_size) + ", stride=" + pair_repr(stride) + ", padding=" + pair_repr(padding) +
         ", dilation=" + pair_repr(dilation) + ", ceil_mode=" + (ceil_mode ? "true" : "false");
}

AvgPool2d::AvgPool2d(Pair kernel, std::optional<Pair> step, Pair pad, bool ceil, bool include_pad)
    : kernel_size(kernel),
      stride(step.value_or(kernel)),
      padding(pad),
      ceil_mode(ceil),
      count_include_pad(include_pad) {
  check_positive("AvgPool2d", "kernel_size", kernel_size);
  check_positive("AvgPool2d", "stride", stride);
}

Tensor AvgPool2d::forward(const Tensor& x) {
  return avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad);
}

std::string AvgPool2d::extra_repr() const {
  return "kernel_size=" + pair_repr(kernel_size) + ", stride=" + pair_repr(stride) + ", padding=" + pair_repr(padding);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Pair size) : output_size(size) {
  check_positive("AdaptiveAvgPool2d", "output_size", output_size);
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) { return adaptive_avg_pool2d(x, output_size); }

std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + pair_repr(output_size); }

}  // namespace descent
