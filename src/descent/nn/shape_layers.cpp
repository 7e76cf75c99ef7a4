// Unflatten and ConstantPad2d: a view and the pad op of ops/conv.hpp behind a Module.
#include "descent/nn/shape_layers.hpp"

#include <sstream>

#include "descent/ops/conv.hpp"

namespace descent {

Tensor Unflatten::forward(const Tensor& x) {
  if (x.dim() != 2 || x.size(1) != sizes.numel())
    throw ShapeError("Unflatten: expected an input (N, " + std::to_string(sizes.numel()) + ") to view as N images " +
                     sizes.str() + ", got " + x.shape().str());
  Shape target{x.size(0)};
  for (int64_t d : sizes) target.push_back(d);
  return x.reshape(target);
}

std::string Unflatten::extra_repr() const { return "dim=1, unflattened_size=" + sizes.str(); }

Tensor ConstantPad2d::forward(const Tensor& x) { return pad(x, padding, value); }

std::string ConstantPad2d::extra_repr() const {
  std::ostringstream out;
  out << "padding=(" << padding[0] << ", " << padding[1] << ", " << padding[2] << ", " << padding[3]
      << "), value=" << value;
  return out.str();
}

}  // namespace descent
