// Pooling layers, as torch.nn.MaxPool2d, torch.nn.AvgPool2d and torch.nn.AdaptiveAvgPool2d:
// the functions of ops/conv.hpp with their arguments kept. Input (N, C, H, W) or (C, H, W).
#pragma once
#include <optional>

#include "descent/nn/module.hpp"
#include "descent/ops/conv.hpp"

namespace descent {

// stride defaults to kernel_size, as torch.
class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Pair kernel_size, std::optional<Pair> stride = std::nullopt, Pair padding = 0, Pair dilation = 1,
                     bool ceil_mode = false);
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "MaxPool2d"; }
  std::string extra_repr() const override;
  Pair kernel_size, stride, padding, dilation;
  bool ceil_mode;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Pair kernel_size, std::optional<Pair> stride = std::nullopt, Pair padding = 0,
                     bool ceil_mode = false, bool count_include_pad = true);
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "AvgPool2d"; }
  std::string extra_repr() const override;
  Pair kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;
};

// AdaptiveAvgPool2d(1) is the global average pooling before a ResNet's classifier.
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Pair output_size);
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "AdaptiveAvgPool2d"; }
  std::string extra_repr() const override;
  Pair output_size;
};

}  // namespace descent
