// Layers that only reshape or pad, as torch.nn.Unflatten and torch.nn.ConstantPad2d: the first
// turns a data set's flat rows into images at a conv net's input, the second gives a max-pool
// TensorFlow's asymmetric 'same' padding (DeepOBS's nets are TensorFlow's).
#pragma once
#include <vector>

#include "descent/nn/module.hpp"

namespace descent {

// (N, prod(sizes)) -> (N, *sizes), as torch.nn.Unflatten(1, sizes): a view of a contiguous input.
class Unflatten : public Module {
 public:
  explicit Unflatten(Shape sizes) : sizes(sizes) {}
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "Unflatten"; }
  std::string extra_repr() const override;
  Shape sizes;
};

// Pads the last two dims by {left, right, top, bottom} with `value`, as torch.nn.ConstantPad2d.
class ConstantPad2d : public Module {
 public:
  ConstantPad2d(std::vector<int64_t> padding, double value) : padding(std::move(padding)), value(value) {}
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "ConstantPad2d"; }
  std::string extra_repr() const override;
  std::vector<int64_t> padding;  // left, right, top, bottom
  double value;
};

}  // namespace descent
